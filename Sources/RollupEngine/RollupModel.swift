import PostgresClient
import ProcessSupport

/// One analyst-edited file `sql/NAME.sql`: a header (`ModelHeader`) and one `select` that returns the model's
/// rows, for all history when pasted into `psql`. Its table is `NAME`, created and maintained by the engine:
/// the `select` names no table to write, no merge and no touched windows. Loaded at run time, so adding or
/// changing a model needs no rebuild of the binaries and no migration.
package struct RollupModel: Sendable {
    /// The file name without `.sql`: the model's table, and how commands, logs and `rollup_models` name it.
    package let name: String
    /// The file name, for errors.
    package let file: String
    /// The whole file, as the engine sends it (inside its own statement, see `WindowMerge`), so that error
    /// positions can be given as positions in the file.
    package let sql: String
    package let header: ModelHeader
    /// What the version fingerprints: the header's settings and the `select` without comments or
    /// insignificant whitespace (`SQLMeaning`).
    let meaning: String
    /// The measures a pass may add new events to (`AdditiveForm`), or why the model recomputes its windows.
    /// Derived models always recompute: their input is updated rows, not new events.
    package let additive: Result<[String], AdditiveForm.Refusal>

    package var window: ModelWindow { header.window }
    /// The schema whose shadow relations the `select` reads while the engine runs it (V016).
    var inputSchema: String { header.source == nil ? "rollup_input" : "rollup_sources" }

    package init(file: String, sql: String) throws {
        self.file = file
        self.name = file.hasSuffix(".sql") ? String(file.dropLast(4)) : file
        self.header = try ModelHeader(parsing: sql, file: file, name: name)
        var text = sql
        // The file is one `select`; a trailing semicolon is habit, not a second statement.
        if SQLMeaning.of(text).hasSuffix(";"), let last = text.lastIndex(of: ";") {
            text.replaceSubrange(last...last, with: " ")
        }
        self.sql = text
        let statement = SQLMeaning.of(text)
        guard statement.lowercased().hasPrefix("select") || statement.lowercased().hasPrefix("with") else {
            throw PipelineError(
                .model, "\(file): a model is a header and one select (or with ... select) returning its rows")
        }
        if statement.contains(";") {
            throw PipelineError(.model, "\(file): a model is one select; this file has more than one statement")
        }
        self.meaning = header.canonical + "\n" + statement
        self.additive =
            header.source == nil
            ? AdditiveForm.measures(of: text, key: header.key)
            : .failure(
                AdditiveForm.Refusal("derived from \(header.source!): its input is updated rows, not new events"))
    }

    /// The measures to add, when the model is additive.
    package var additiveMeasures: [String]? { try? additive.get() }

    /// `file:line:column` of a 1-based character position in the file, as Postgres reports it (it counts code
    /// points, so a `\r\n` line end is two).
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

    /// One line naming the file, the position Postgres reports (as line:column of the file, when it lies in the
    /// file's text, which starts `offset` characters into the statement) and its message.
    func reason(_ error: any Error, offset: Int = 0) -> String {
        guard let error = error as? PostgresError else { return "\(file): \(error)" }
        var message = error.primaryMessage ?? error.message
        if let detail = error.detail { message += " (\(detail))" }
        if let position = error.statementPosition, position > offset, position - offset <= sql.unicodeScalars.count {
            return "\(location(ofCharacter: position - offset)): \(message)"
        }
        return "\(file): \(message)"
    }

    /// Reads every `*.sql` in `directory`: the models that can run, each after the model it is derived from
    /// (then by name), and the files that cannot, with why. A file with a bad header, a `from` naming no
    /// model, windows that do not nest in its source's (a derived window must be made of whole source
    /// windows) or a cycle is broken, and so is every model derived from it; the others still run. Throws only
    /// when the directory cannot be read or holds no `.sql` file.
    package static func load(from directory: String) throws -> ModelSet {
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
                    if !model.window.nests(in: parent.window) {
                        problem =
                            "\(model.file): its windows (\(model.window)) are not made of whole windows of \(source) (\(parent.window)), so its rows cannot be summed from \(source)'s"
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
    package static func versions(of models: [RollupModel], _ db: PostgresConnection) throws -> [String: String] {
        guard !models.isEmpty else { return [:] }
        let result = try db.query(
            "select m, md5(m) from unnest($1::text[]) as m", [PostgresArray.text(models.map(\.meaning))])
        var byMeaning: [String: String] = [:]
        for row in 0..<result.rowCount {
            byMeaning[try result.value(String.self, row: row, column: 0)] = try result.value(
                String.self, row: row, column: 1)
        }
        return Dictionary(uniqueKeysWithValues: models.map { ($0.name, byMeaning[$0.meaning]!) })
    }

    /// The models the next pass rebuilds over all their history: those whose version differs from the one
    /// recorded (new ones have none), retired ones that came back (their pending minutes were dropped), or
    /// all with `full`, and every model derived from one of them. One rule, so that `rollup status` and
    /// `rollup plan` say what `rollup run` does.
    package static func toRebuild(
        _ models: [RollupModel], versions: [String: String], recorded: [String: ModelRecord], full: Bool = false
    ) -> Set<String> {
        var names = Set<String>()
        for model in models
        where full || recorded[model.name]?.version != versions[model.name] || recorded[model.name]?.retired == true {
            names.insert(model.name)
            names.formUnion(dependents(of: model.name, in: models))
        }
        return names
    }

    /// The models derived, directly or not, from `name`.
    package static func dependents(of name: String, in models: [RollupModel]) -> Set<String> {
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
package struct ModelSet: Sendable {
    /// The models that can run, each after its source.
    package var models: [RollupModel] = []
    /// The files that cannot run, and why; reported on every pass until fixed.
    package var broken: [ModelFailure] = []
    /// Every model name in the directory, broken ones included: a model whose file is gone is retired, a
    /// broken one keeps its pending minutes.
    package var names = Set<String>()

    package init() {}

    /// What tells two readings of the directory apart (the files' texts and what was wrong with them).
    package var fingerprint: [String] { models.map { $0.file + "\n" + $0.sql } + broken.map(\.message) }
}

/// A model that could not run in a pass, and the one-line reason (file, position and Postgres' message).
package struct ModelFailure: Sendable, Equatable, CustomStringConvertible {
    package var model: String
    package var message: String
    package var description: String { message }

    package init(model: String, message: String) {
        self.model = model
        self.message = message
    }
}
