import ArgumentParser
import ProcessSupport

/// Flags shared by the subcommands that read files from the repository.
struct PathOptions: ParsableArguments {
    @Option(help: "Directory of versioned schema files. Env: MIGRATIONS_DIR. Default: migrations.")
    var migrationsDir: String?

    @Option(help: "Directory of rollup SQL models. Env: SQL_DIR. Default: sql.")
    var sqlDir: String?

    var migrations: String { migrationsDir ?? Environment.value("MIGRATIONS_DIR") ?? "migrations" }
    var sql: String { sqlDir ?? Environment.value("SQL_DIR") ?? "sql" }
}
