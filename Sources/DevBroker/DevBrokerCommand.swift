import ArgumentParser
import Foundation
import KafkaClient
import Logging
import ProcessSupport

/// `dev-broker`: librdkafka's mock cluster as a process, for local runs and tests. Not for production.
@main
struct DevBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Host librdkafka's mock Kafka cluster on loopback until signalled (development and tests only).",
        discussion: """
            Prints the bootstrap address on standard output (and writes it to --bootstrap-file). librdkafka \
            2.0.2's mock cluster keeps only about 5 MiB per partition (about 22,000 purchase events) and \
            silently deletes older messages, so give the topic enough partitions for what a run holds at once: \
            64 partitions hold about 1.4 million events.
            """)

    @Option(help: "Topic to create. Env: KAFKA_TOPIC. Default: purchases.")
    var topic: String?

    @Option(help: "Partitions of the topic.")
    var partitions: Int32 = 64

    @Option(help: "Mock brokers.")
    var brokers: Int32 = 1

    @Option(help: "Write the bootstrap address to this file once the cluster is up.")
    var bootstrapFile: String?

    @Flag(
        help: "Read control commands from standard input: down N, up N, rtt N MS, errors API-KEY COUNT ERROR (tests).")
    var controlStdin = false

    @OptionGroup var log: LogOptions

    func validate() throws {
        guard partitions > 0, partitions <= 10_000 else { throw ValidationError("--partitions must be 1...10000") }
        guard brokers > 0, brokers <= 16 else { throw ValidationError("--brokers must be 1...16") }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "dev-broker")
        let topic = self.topic ?? Environment.value("KAFKA_TOPIC") ?? "purchases"
        let (partitions, brokers, bootstrapFile, controlStdin) = (
            self.partitions, self.brokers, self.bootstrapFile, self.controlStdin
        )
        await BlockingService.runCommand("dev-broker", logger: logger) { stop in
            let cluster = try MockKafkaCluster(brokers: brokers, logger: logger)
            try cluster.createTopic(topic, partitions: partitions)
            if let bootstrapFile {
                try (cluster.bootstrapServers + "\n").write(toFile: bootstrapFile, atomically: true, encoding: .utf8)
            }
            print(cluster.bootstrapServers)
            fflush(nil)  // all streams: the bootstrap line must reach a pipe at once
            logger.info(
                "mock cluster up",
                metadata: [
                    "bootstrap": "\(cluster.bootstrapServers)", "topic": "\(topic)", "partitions": "\(partitions)",
                ])
            let control = controlStdin ? BrokerControl(cluster: cluster) : nil
            var input = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
            while !stop.isStopped {
                guard let control, poll(&input, 1, 100) > 0 else {
                    if control == nil { stop.wait(milliseconds: 100) }
                    continue
                }
                guard let line = readLine() else { break }
                let reply = control.execute(line.trimmingCharacters(in: .whitespaces))
                logger.info("control command", metadata: ["command": "\(line)", "reply": "\(reply)"])
                print(reply)
                fflush(nil)
            }
            while stop.wait(milliseconds: 60_000) {}  // standard input closed: keep serving
            logger.info("mock cluster stopping")
        }
    }
}
