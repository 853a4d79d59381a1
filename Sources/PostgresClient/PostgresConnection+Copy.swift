import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// `COPY ... FROM STDIN` through libpq: the fastest way to put rows into Postgres.
///
/// Two shapes: `copyFrom` hands a closure a writer and finishes the COPY for you; `beginCopy`/`putCopyData`/
/// `endCopy` let a caller stream rows while it is still producing them, so the server ingests one part of a
/// batch while the client encodes the next (the loader does this). Until the COPY ends, no other statement
/// may run on the connection; `abortCopy` ends it with an error, and `withTransaction`'s rollback calls it.
extension PostgresConnection {
    public func copyFrom(_ sql: String, _ body: (CopyWriter) throws -> Void) throws -> Int {
        try beginCopy(sql)
        do {
            try body(CopyWriter(connection: self))
        } catch {
            abortCopy()
            throw error
        }
        return try endCopy()
    }

    /// Starts a COPY FROM STDIN.
    ///
    /// While it lasts the connection is non-blocking: `putCopyData` queues the bytes in libpq and sends what
    /// the socket takes, so the caller goes on encoding while the server ingests. Measured on the loader,
    /// blocking sends left the client waiting 1.5 s of every 3 s of loading. `endCopy` sends the rest.
    public func beginCopy(_ sql: String) throws(PostgresError) {
        _ = try check(PQexec(handle, sql))
        isCopying = true
        PQsetnonblocking(handle, 1)
    }

    /// Queues part of the COPY stream and sends what the socket accepts without waiting.
    public func putCopyData(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var offset = 0
        // PQputCopyData takes an Int32 length; send big buffers in 1 MiB pieces.
        while offset < bytes.count {
            let length = min(1 << 20, bytes.count - offset)
            let data = (base + offset).assumingMemoryBound(to: CChar.self)
            var sent = PQputCopyData(handle, data, Int32(length))
            if sent == 0 {
                // libpq could not grow its buffer: let the server catch up, then queue again.
                try waitUntilFlushed()
                sent = PQputCopyData(handle, data, Int32(length))
            }
            guard sent == 1 else { throw lastError(.copyFailed) }
            offset += length
            // Bound what waits in libpq: it shifts its whole buffer after every partial send, so a backlog of
            // tens of MiB (a big batch on a slower server) made loading 50 % slower. Past 1 MiB, wait.
            if PQflush(handle) == 1 {
                copyBacklog += length
                if copyBacklog > 1 << 20 {
                    try waitUntilFlushed()
                    copyBacklog = 0
                }
            } else {
                copyBacklog = 0
            }
        }
    }

    /// Ends the COPY and returns the number of rows the server took.
    public func endCopy() throws(PostgresError) -> Int {
        isCopying = false
        // libpq refuses to leave non-blocking mode while data is queued.
        try waitUntilFlushed()
        PQsetnonblocking(handle, 0)
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

    /// Ends a COPY in progress with an error, so nothing it sent is kept; harmless when none is.
    public func abortCopy() {
        guard isCopying else { return }
        isCopying = false
        try? waitUntilFlushed()
        PQsetnonblocking(handle, 0)
        _ = PQputCopyEnd(handle, "aborted by the client")
        drainResults()
    }

    /// Sends everything libpq has queued, waiting for the socket as needed (non-blocking mode only).
    func waitUntilFlushed() throws(PostgresError) {
        while true {
            let result = PQflush(handle)
            if result == 0 { return }
            guard result == 1 else { throw lastError(.copyFailed) }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLOUT | POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 1_000)
            // The server may have answered (an error ends the COPY early): read it so the socket drains.
            if descriptor.revents & Int16(POLLIN) != 0, PQconsumeInput(handle) == 0 { throw lastError(.copyFailed) }
        }
    }

    func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }
}

/// Hands bytes to a COPY in progress; valid only inside `copyFrom`'s body.
public struct CopyWriter {
    let connection: PostgresConnection

    public func write(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) {
        try connection.putCopyData(bytes)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
