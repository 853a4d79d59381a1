import PostgresClient

/// The loader's offsets in Postgres: read on assignment, advanced inside the load transaction.
///
/// Advancing is also the fence against zombies: a row moves from the offset this loader started from to
/// the next one only if nobody else moved it meanwhile. A loader stalled past its session timeout, whose
/// partitions went to another member, finds its expected offset gone and rolls its batch back.
struct OffsetStore {
    let topic: String
    let groupID: String

    func read(_ db: PostgresConnection, partitions: [Int32]) throws -> [Int32: Int64] {
        let result = try db.query(
            "select partition, next_offset from loader_offsets where topic = $1 and partition = any($2::integer[])",
            [topic, PostgresArray.integers(partitions)])
        return try Self.offsets(in: result)
    }

    func readAll(_ db: PostgresConnection) throws -> [Int32: Int64] {
        let result = try db.query("select partition, next_offset from loader_offsets where topic = $1", [topic])
        return try Self.offsets(in: result)
    }

    private static func offsets(in result: PostgresResult) throws -> [Int32: Int64] {
        var offsets: [Int32: Int64] = [:]
        for row in 0..<result.rowCount {
            offsets[try result.value(Int32.self, row: row, column: 0)] = try result.value(
                Int64.self, row: row, column: 1)
        }
        return offsets
    }

    /// Moves each partition from `expected` (nil: no row stored yet) to `next`; returns false (and changes
    /// nothing the caller keeps, since it rolls back) when any partition was moved by someone else.
    func advance(_ db: PostgresConnection, expected: [Int32: Int64?], next: [Int32: Int64]) throws -> Bool {
        let partitions = next.keys.sorted()
        let result = try db.query(
            """
            with proposed as (
                select * from unnest($2::integer[], $3::bigint[], $4::bigint[]) as p (partition, expected, next_offset)
            ),
            updated as (
                update loader_offsets o
                set next_offset = p.next_offset, consumer_group = $5, updated_at = now()
                from proposed p
                where o.topic = $1 and o.partition = p.partition and o.next_offset = p.expected
                returning o.partition
            ),
            inserted as (
                insert into loader_offsets (topic, partition, next_offset, consumer_group)
                select $1, p.partition, p.next_offset, $5 from proposed p where p.expected is null
                on conflict do nothing
                returning partition
            )
            select (select count(*) from updated) + (select count(*) from inserted)
            """,
            [
                topic, PostgresArray.integers(partitions),
                PostgresArray.integers(partitions.map { expected[$0] ?? nil }),
                PostgresArray.integers(partitions.compactMap { next[$0] }), groupID,
            ])
        return try result.scalar(Int.self) == partitions.count
    }
}
