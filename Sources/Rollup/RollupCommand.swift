import ArgumentParser

/// `rollup`: schema migrations, the windowed rollup, and a report of its result.
@main
struct RollupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollup",
        abstract: "Apply migrations, roll raw purchases up into purchase_summary, and report the result.",
        subcommands: [MigrateCommand.self, RunCommand.self, ReportCommand.self])
}
