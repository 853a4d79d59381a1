import CRdKafka
import Foundation
import KafkaClient

/// Line commands that reach into the running mock cluster, so a test in another process can stage broker
/// trouble (a broker down, slow responses, injected protocol errors) while real clients keep running.
///
///     down <broker>                          take broker <broker> (1-based) off the network
///     up <broker>                            bring it back
///     rtt <broker> <milliseconds>            delay each of its responses
///     errors <api-key> <count> <error>       fail the next <count> requests of that API with <error>
///                                            (a librdkafka name such as NOT_LEADER_FOR_PARTITION, or its number)
///
/// Each command is answered with one line, `ok ...` or `error: ...`.
struct BrokerControl {
    let cluster: MockKafkaCluster

    func execute(_ line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first else { return "error: empty command" }
        do {
            switch (verb, words.count) {
            case ("down", 2):
                try cluster.setBrokerDown(try number(words[1], "broker"))
            case ("up", 2):
                try cluster.setBrokerUp(try number(words[1], "broker"))
            case ("rtt", 3):
                try cluster.setBrokerRoundTrip(
                    try number(words[1], "broker"), milliseconds: try number(words[2], "milliseconds"))
            case ("errors", 4):
                let count: Int32 = try number(words[2], "count")
                guard count > 0, count <= 10_000 else { return "error: count must be 1...10000" }
                guard let code = Self.errorCode(words[3]) else { return "error: unknown Kafka error \(words[3])" }
                cluster.pushRequestErrors(
                    apiKey: try number(words[1], "api key"), Array(repeating: code, count: Int(count)))
            default:
                return
                    "error: unknown command \(line.debugDescription) (down N | up N | rtt N MS | errors API COUNT ERROR)"
            }
        } catch {
            return "error: \(error)"
        }
        return "ok \(line)"
    }

    private struct BadNumber: Error, CustomStringConvertible {
        let description: String
    }

    private func number<T: FixedWidthInteger>(_ text: String, _ what: String) throws -> T {
        guard let value = T(text) else { throw BadNumber(description: "\(what) must be a number, got \(text)") }
        return value
    }

    /// A Kafka error by its librdkafka name (`NOT_LEADER_OR_FOLLOWER`, `_TRANSPORT`) or number.
    static func errorCode(_ text: String) -> KafkaError.Code? {
        if let raw = Int32(text) { return KafkaError.Code(rawValue: raw) }
        var descriptions: UnsafePointer<rd_kafka_err_desc>?
        var count = 0
        rd_kafka_get_err_descs(&descriptions, &count)
        guard let descriptions else { return nil }
        for entry in UnsafeBufferPointer(start: descriptions, count: count) {
            if let name = entry.name, String(cString: name) == text {
                return KafkaError.Code(rawValue: entry.code.rawValue)
            }
        }
        return nil
    }
}
