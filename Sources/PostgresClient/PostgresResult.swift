import CLibPQ

/// The rows a statement returned, in libpq's text format, freed when the last reference goes.
public final class PostgresResult {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }
    public var columnCount: Int { Int(PQnfields(handle)) }

    /// Rows a command touched (`INSERT`, `UPDATE`, `DELETE`, `COPY`), from the command tag.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The text of one cell; nil for SQL NULL.
    public subscript(row: Int, column: Int) -> String? {
        guard PQgetisnull(handle, Int32(row), Int32(column)) == 0 else { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// All cells as text, row by row; for small results.
    public var rows: [[String?]] {
        (0..<rowCount).map { row in (0..<columnCount).map { self[row, $0] } }
    }

    /// A result column as the server described it: its name, and its type's OID and modifier (what
    /// `format_type(oid, modifier)` turns into `numeric(18,2)`). The rollup creates a model's table from
    /// the columns its query returns.
    public struct Column: Sendable, Equatable {
        public var name: String
        public var typeOID: UInt32
        public var typeModifier: Int32
    }

    /// The result's columns, in order; known even when it has no rows.
    public var columns: [Column] {
        (0..<Int32(columnCount)).map { i in
            Column(
                name: String(cString: PQfname(handle, i)), typeOID: PQftype(handle, i), typeModifier: PQfmod(handle, i))
        }
    }

    /// The first cell, for `SELECT count(*)`-style statements.
    public var scalar: String? { rowCount > 0 && columnCount > 0 ? self[0, 0] : nil }

    /// One cell as `T`; NULL, a missing cell or text that is not a `T` is an `.unexpectedValue` error.
    public func value<T: PostgresTextDecodable>(_ type: T.Type = T.self, row: Int, column: Int) throws(PostgresError)
        -> T
    {
        guard let value = try optionalValue(type, row: row, column: column) else {
            throw PostgresError(.unexpectedValue, message: "row \(row), column \(column) is NULL, expected \(T.self)")
        }
        return value
    }

    /// One cell as `T`, nil for NULL; a missing cell or text that is not a `T` is an `.unexpectedValue` error.
    public func optionalValue<T: PostgresTextDecodable>(_ type: T.Type = T.self, row: Int, column: Int)
        throws(PostgresError) -> T?
    {
        guard row < rowCount, column < columnCount else {
            throw PostgresError(
                .unexpectedValue,
                message: "no cell at row \(row), column \(column) (\(rowCount) rows, \(columnCount) columns)")
        }
        guard let text = self[row, column] else { return nil }
        guard let value = T(postgresText: text) else {
            throw PostgresError(.unexpectedValue, message: "\(text.debugDescription) is not a \(T.self)")
        }
        return value
    }

    /// The first cell as `T`, for `select count(*)`-style statements.
    public func scalar<T: PostgresTextDecodable>(_ type: T.Type) throws(PostgresError) -> T {
        try value(type, row: 0, column: 0)
    }
}
