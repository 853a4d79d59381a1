import ArgumentParser

/// `--partitions`: `all`, or partition numbers and ranges such as `0-15,32`.
///
/// A loader given partitions reads them without a consumer group: no join (Kafka holds a new group's first
/// assignment for `group.initial.rebalance.delay.ms`, 3 s by default) and no rebalancing. Offsets live in
/// Postgres either way, and the offset fence stops two loaders from committing the same messages, so an
/// overlap between static loaders costs retries, never duplicates.
public enum PartitionListArgument: ExpressibleByArgument, Sendable, Equatable {
    case all
    case some([Int32])

    public init?(argument: String) {
        if argument == "all" {
            self = .all
            return
        }
        var partitions: [Int32] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard let low = Int32(bounds[0]), low >= 0, let high = bounds.count == 2 ? Int32(bounds[1]) : low,
                high >= low, high - low < 100_000
            else { return nil }
            partitions.append(contentsOf: low...high)
        }
        self = .some(Array(Set(partitions)).sorted())
    }

    /// The partition numbers, checked against the topic's partition count.
    public func resolve(partitionCount: Int, topic: String) throws -> [Int32] {
        switch self {
        case .all:
            return (0..<Int32(partitionCount)).map { $0 }
        case .some(let partitions):
            if let missing = partitions.first(where: { Int($0) >= partitionCount }) {
                throw PipelineError(
                    .configuration,
                    "--partitions: topic \(topic) has partitions 0-\(partitionCount - 1), not \(missing)")
            }
            return partitions
        }
    }
}
