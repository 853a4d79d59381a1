import PostgresClient

/// The loader's offsets in Postgres: read on assignment, advanced inside the load transaction.
///
/// Advancing is also the fence against zombies: a row moves from the offset this loader started from to
/// the next one only if nobody else moved it meanwhile. A loader stalled past its session timeout, whose
/// partitions went to another member, finds its expected offset gone and rolls its batch back.
struct OffsetStore {
    /// Sentinel for "no row existed when the partition was assigned".
    static let none: Int64 = -1

    let topic: String
    let groupID: String

    func read(_ db: PostgresConnection, partitions: [Int32]) throws -> [Int32: Int64] {
        let result = try db.query(
            "select partition, next_offset from loader_offsets where topic = $1 and partition = any($2::integer[])",
            [topic, Self.array(partitions)])
        var offsets: [Int32: Int64] = [:]
        for row in result.rows { offsets[Int32(row[0]!)!] = Int64(row[1]!)! }
        return offsets
    }

    func readAll(_ db: PostgresConnection) throws -> [Int32: Int64] {
        let result = try db.query("select partition, next_offset from loader_offsets where topic = $1", [topic])
        var offsets: [Int32: Int64] = [:]
        for row in result.rows { offsets[Int32(row[0]!)!] = Int64(row[1]!)! }
        return offsets
    }

    /// Moves each partition from `expected` to `next`; returns false (and changes nothing the caller keeps,
    /// since it rolls back) when any partition was moved by someone else.
    func advance(_ db: PostgresConnection, expected: [Int32: Int64], next: [Int32: Int64]) throws -> Bool {
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
                select $1, p.partition, p.next_offset, $5 from proposed p where p.expected = -1
                on conflict do nothing
                returning partition
            )
            select (select count(*) from updated) + (select count(*) from inserted)
            """,
            [
                topic, Self.array(partitions), Self.array(partitions.map { expected[$0] ?? Self.none }),
                Self.array(partitions.map { next[$0]! }), groupID,
            ])
        return Int(result.scalar ?? "0") == partitions.count
    }

    /// A Postgres array literal of integers, bound as one text parameter.
    static func array(_ values: [some BinaryInteger]) -> String {
        "{" + values.map { String($0) }.joined(separator: ",") + "}"
    }
}
