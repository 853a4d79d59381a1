import ArgumentParser
import Foundation
import PostgresClient
import ProcessSupport

/// `loader replay-dead-letters`: loads the dead letters that today's rules accept.
struct ReplayDeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-dead-letters",
        abstract: "Re-decode dead letters with today's rules and load those that now pass, each exactly once.",
        discussion: """
            Works through dead_letters oldest first, a chunk per transaction: the messages that now decode go \
            into staging_purchases (with their original topic, partition and offset) and the ingest ledger, so \
            the next rollup pass counts them, and are marked replayed in the same transaction. Running it again, \
            or after a kill, loads nothing twice. The ones that still fail stay, with today's reason. Events \
            older than raw retention's kept_from are refused. Replayed events are not counted as late events: \
            they show as load batches of origin 'replay' and in dead_letters.replayed_at. SIGTERM stops after \
            the chunk in progress.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Option(help: "Only dead letters of this reason kind, e.g. money (as stored in dead_letters.reason_kind).")
    var reasonKind: String?

    @Option(help: "Only dead letters received at or after this time (a Postgres timestamptz, e.g. 2026-12-01).")
    var from: String?

    @Option(help: "Only dead letters received before this time.")
    var to: String?

    @Flag(help: "Decode and count what would load, by reason kind; write nothing.")
    var dryRun = false

    @Option(help: "Dead letters per transaction.")
    var chunkSize = 1_000

    func validate() throws {
        guard chunkSize > 0 else { throw ValidationError("--chunk-size must be positive") }
    }

    func run() async throws {
        let logger = log.bootstrap(label: "loader")
        let replay = DeadLetterReplay(
            filter: .init(reasonKind: reasonKind, from: from, to: to), chunkSize: chunkSize, logger: logger)
        let dryRun = self.dryRun
        let settings = database.settings
        let outcome = await BlockingService.runCommand("replay-dead-letters", logger: logger) { stop in
            let db = try PostgresConnection(settings: settings, applicationName: "purchase-loader-replay")
            return try replay.run(db, dryRun: dryRun, stop: stop)
        }
        let verb = dryRun ? "would load" : "loaded"
        print(
            "replay-dead-letters: \(outcome.loadedCount + outcome.failingCount) dead letters examined: "
                + "\(outcome.loadedCount) \(verb), \(outcome.failingCount) still failing"
                + (dryRun ? "" : " (\(outcome.reasonsUpdated) with a new reason)"))
        let kinds = Set(outcome.loaded.keys).union(outcome.stillFailing.keys).sorted()
        guard !kinds.isEmpty else { return }
        print(
            "reason kind".padding(toLength: 18, withPad: " ", startingAt: 0) + verb.leftPadded(12)
                + "still failing".leftPadded(15))
        for kind in kinds {
            print(
                (kind.isEmpty ? "(none)" : kind).padding(toLength: 18, withPad: " ", startingAt: 0)
                    + "\(outcome.loaded[kind, default: 0])".leftPadded(12)
                    + "\(outcome.stillFailing[kind, default: 0])".leftPadded(15))
        }
    }
}
