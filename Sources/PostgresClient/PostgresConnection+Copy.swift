import CLibPQ

/// `COPY ... FROM STDIN` through libpq: the fastest way to put rows into Postgres.
extension PostgresConnection {
    /// Feeds a COPY with the bytes the body writes, then ends it and returns the row count.
    ///
    /// A throw from the body aborts the COPY (`PQputCopyEnd` with an error message), so a half-written
    /// batch is never committed; the statement's error is rethrown.
    public func copyFrom(_ sql: String, _ body: (CopyWriter) throws -> Void) throws -> Int {
        _ = try check(PQexec(handle, sql))
        let writer = CopyWriter(connection: self)
        do {
            try body(writer)
        } catch {
            _ = PQputCopyEnd(handle, "aborted by the client")
            drainResults()
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            let error = lastError(.copyFailed)
            drainResults()
            throw error
        }
        var rows = 0
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = errorFrom(result)
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}

/// Hands bytes to a COPY in progress; valid only inside `copyFrom`'s body.
public struct CopyWriter {
    let connection: PostgresConnection

    public func write(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var offset = 0
        // PQputCopyData takes an Int32 length; send big buffers in 1 MiB pieces.
        while offset < bytes.count {
            let length = min(1 << 20, bytes.count - offset)
            let sent = PQputCopyData(
                connection.handle, (base + offset).assumingMemoryBound(to: CChar.self), Int32(length))
            guard sent == 1 else { throw connection.lastError(.copyFailed) }
            offset += length
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
