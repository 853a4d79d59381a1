/// Scoped transactions: the body's return commits, a throw rolls back, so no code path can leave a
/// transaction open.
extension PostgresConnection {
    public func withTransaction<R>(_ body: (PostgresConnection) throws -> R) throws -> R {
        try execute(script: "begin")
        let value: R
        do {
            value = try body(self)
        } catch {
            if isHealthy { _ = try? execute(script: "rollback") }
            throw error
        }
        try execute(script: "commit")
        return value
    }
}
