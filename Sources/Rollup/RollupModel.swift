import PostgresClient
import ProcessSupport

/// One analyst-edited SQL file from `sql/`: a header saying what it maintains (`ModelHeader`) and a single
/// statement that reads `rollup_touched` (the minutes to recompute) and `$1` (its window size, if it uses it)
/// and upserts its table. Loaded at run time, so adding or changing a model needs no rebuild.
struct RollupModel: Sendable {
    /// The file name without `.sql`: how commands, logs and `rollup_models` name the model.
    let name: String
    /// The file name, for errors.
    let file: String
    /// The whole file, sent to Postgres as it is, so that error positions are positions in the file.
    let sql: String
    let header: ModelHeader
    /// What the version fingerprints: the header's settings and the SQL without comments or insignificant
    /// whitespace (`SQLMeaning`).
    let meaning: String
    /// Whether the statement takes the window size as `$1` (comments aside). Postgres rejects a bound
    /// parameter the statement does not use, so models that need no window size get none.
    let takesWindowSize: Bool

    init(file: String, sql: String) throws {
        self.file = file
        self.name = file.hasSuffix(".sql") ? String(file.dropLast(4)) : file
        self.sql = sql
        self.header = try ModelHeader(parsing: sql, file: file)
        let statement = SQLMeaning.of(sql)
        self.meaning = header.canonical + "\n" + statement
        self.takesWindowSize = statement.contains("$1")
    }

    /// The model's table as `schema.table`, quoted, or nil when it does not exist. Found before a pass or a
    /// rebuild shadows it with a temporary table of the same name, so the rows can be moved to the real one.
    func realTable(_ db: PostgresConnection) throws -> String? {
        try db.query(
            """
            select format('%I.%I', n.nspname, c.relname) from pg_class as c
            join pg_namespace as n on n.oid = c.relnamespace
            where c.oid = to_regclass($1) and n.nspname not like 'pg_temp%'
            """, [RangeRecompute.quoted(header.table)]
        ).optionalValue(String.self, row: 0, column: 0)
    }

    /// The columns of `table` (`schema.table`, quoted) that a model's rows carry, in table order: all but the
    /// rollup's own (`Finality.ownedColumns`), which keep their values when rows move in and get their
    /// defaults in new rows.
    static func modelColumns(of table: String, _ db: PostgresConnection) throws -> [String] {
        let result = try db.query(
            """
            select attname from pg_attribute
            where attrelid = to_regclass($1) and attnum > 0 and not attisdropped
            order by attnum
            """, [table])
        return try (0..<result.rowCount).map { try result.value(String.self, row: $0, column: 0) }
            .filter { !Finality.ownedColumns.contains($0) }
    }

    /// `file:line:column` of a 1-based character position in the statement, as Postgres reports it (it counts
    /// code points, so a `\r\n` line end is two).
    func location(ofCharacter position: Int) -> String {
        var line = 1
        var column = 1
        for scalar in sql.unicodeScalars.prefix(max(0, position - 1)) {
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return "\(file):\(line):\(column)"
    }

    /// Reads every `*.sql` in `directory`: the models that can run, each after the model it is derived from
    /// (then by name), and the files that cannot, with why. A file with a bad header, a `from` naming no
    /// model, a window that is not a whole multiple of its source's (a derived window must be made of whole
    /// source windows) or a cycle is broken, and so is every model derived from it; the others still run.
    /// Throws only when the directory cannot be read or holds no `.sql` file.
    static func load(from directory: String) throws -> ModelSet {
        let files = try SQLDirectory.files(in: directory, what: "rollup SQL")
        guard !files.isEmpty else { throw PipelineError(.model, "no .sql files in \(directory)") }
        var set = ModelSet()
        var candidates: [RollupModel] = []
        for file in files {
            let name = file.name.hasSuffix(".sql") ? String(file.name.dropLast(4)) : file.name
            set.names.insert(name)
            do {
                candidates.append(try RollupModel(file: file.name, sql: file.text))
            } catch {
                set.broken.append(ModelFailure(model: name, message: "\(error)"))
            }
        }
        let byName = Dictionary(candidates.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var placed = Set<String>()
        var pending = candidates
        while !pending.isEmpty {
            var progress = false
            for model in pending {
                guard let source = model.header.source else {
                    set.models.append(model)
                    placed.insert(model.name)
                    progress = true
                    continue
                }
                let problem: String?
                if let parent = byName[source] {
                    if model.header.windowMinutes % parent.header.windowMinutes != 0 {
                        problem =
                            "\(model.file): its window (\(model.header.windowMinutes) minutes) is not a whole multiple of \(source)'s (\(parent.header.windowMinutes) minutes)"
                    } else if set.broken.contains(where: { $0.model == source }) {
                        problem = "\(model.file): derived from \(source), which cannot run"
                    } else if placed.contains(source) {
                        set.models.append(model)
                        placed.insert(model.name)
                        progress = true
                        continue
                    } else {
                        continue  // its source is placed in a later round
                    }
                } else {
                    problem = "\(model.file): `from: \(source)` names no model in \(directory)"
                }
                set.broken.append(ModelFailure(model: model.name, message: problem!))
                progress = true
            }
            pending.removeAll { model in
                placed.contains(model.name) || set.broken.contains(where: { $0.model == model.name })
            }
            if !progress {
                for model in pending {
                    set.broken.append(
                        ModelFailure(model: model.name, message: "\(model.file): derived from a cycle of models"))
                }
                pending = []
            }
        }
        return set
    }

    /// Each model's version: the MD5 of its `meaning`, asked of Postgres (one definition of MD5, as for
    /// migrations' checksums).
    static func versions(of models: [RollupModel], _ db: PostgresConnection) throws -> [String: String] {
        var found: [String: String] = [:]
        for model in models {
            found[model.name] = try db.query("select md5($1)", [model.meaning]).scalar(String.self)
        }
        return found
    }

    /// The models the next pass rebuilds over all their history: those whose version differs from the one
    /// recorded (new ones have none), or all with `full`, and every model derived from one of them. One rule,
    /// so that `rollup status` and `rollup plan` say what `rollup run` does.
    static func toRebuild(
        _ models: [RollupModel], versions: [String: String], recorded: [String: String], full: Bool = false
    ) -> Set<String> {
        var names = Set<String>()
        for model in models where full || recorded[model.name] != versions[model.name] {
            names.insert(model.name)
            names.formUnion(dependents(of: model.name, in: models))
        }
        return names
    }

    /// The models derived, directly or not, from `name`.
    static func dependents(of name: String, in models: [RollupModel]) -> Set<String> {
        var found = Set<String>()
        var frontier = [name]
        while let current = frontier.popLast() {
            for model in models where model.header.source == current && !found.contains(model.name) {
                found.insert(model.name)
                frontier.append(model.name)
            }
        }
        return found
    }
}

/// The models of a directory as `RollupModel.load` found them.
struct ModelSet: Sendable {
    /// The models that can run, each after its source.
    var models: [RollupModel] = []
    /// The files that cannot run, and why; reported on every pass until fixed.
    var broken: [ModelFailure] = []
    /// Every model name in the directory, broken ones included: a model whose file is gone loses its
    /// pending minutes, a broken one keeps them.
    var names = Set<String>()

    /// What tells two readings of the directory apart (the files' texts and what was wrong with them).
    var fingerprint: [String] { models.map { $0.file + "\n" + $0.sql } + broken.map(\.message) }
}

/// A model that could not run in a pass, and the one-line reason (file, position and Postgres' message).
struct ModelFailure: Sendable, Equatable, CustomStringConvertible {
    var model: String
    var message: String
    var description: String { message }
}
