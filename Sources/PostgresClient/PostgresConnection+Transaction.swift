/// Scoped transactions: the body's return commits, a throw rolls back, so no code path can leave a
/// transaction open.
extension PostgresConnection {
    public func withTransaction<R>(_ body: (PostgresConnection) throws -> R) throws -> R {
        try execute(script: "begin")
        let value: R
        do {
            value = try body(self)
        } catch {
            rollbackQuietly()
            throw error
        }
        try execute(script: "commit")
        return value
    }

    /// Ends whatever is in progress (a COPY, a transaction) without committing it; used on error paths,
    /// where the original error is the one worth reporting.
    public func rollbackQuietly() {
        abortCopy()
        if isHealthy { _ = try? execute(script: "rollback") }
    }
}
