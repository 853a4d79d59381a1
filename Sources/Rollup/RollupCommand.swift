import ArgumentParser

/// `rollup`: schema migrations, the windowed rollup, and a report of its result.
@main
struct RollupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollup",
        abstract: "Apply migrations, keep the analysts' models in sql/ up to date, and report the result.",
        subcommands: [
            MigrateCommand.self, RunCommand.self, PlanCommand.self, StatusCommand.self, BackfillCommand.self,
            VerifyCommand.self, DropCommand.self, MaintainCommand.self, ReportCommand.self, RatesCommand.self,
        ])
}
