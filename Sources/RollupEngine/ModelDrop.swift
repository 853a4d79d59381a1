import Foundation
import PostgresClient
import ProcessSupport

/// `rollup drop NAME`: removes a model the engine no longer maintains (its file is gone, so it is retired):
/// its table, its record, its pending minutes and late-event counts. A model whose file is still in `sql/`
/// is refused: the next pass would build it again.
package struct ModelDrop {
    package let name: String
    package let sqlDirectory: String

    package init(name: String, sqlDirectory: String) {
        self.name = name
        self.sqlDirectory = sqlDirectory
    }

    package func run(_ db: PostgresConnection) throws {
        if FileManager.default.fileExists(atPath: sqlDirectory + "/" + name + ".sql") {
            throw PipelineError(
                .model,
                "\(sqlDirectory)/\(name).sql is still there, so the next pass would build \(name) again: remove the file first (the model is then retired), then drop it"
            )
        }
        try db.withTransaction { db in
            try RollupLock.take(db)
            let table = ModelTable(schema: try ModelTable.schema(db), name: name)
            let known = try db.query("select count(*) from rollup_models where name = $1", [name]).scalar(Int.self)
            let exists = try table.exists(db)
            guard known > 0 || exists else {
                throw PipelineError(.model, "no model \(name) in the database (rollup status lists them)")
            }
            try ModelInput.dropShadow(of: name, db)
            if exists { try db.execute(script: "drop table \(table.qualified)") }
            for statement in [
                "delete from rollup_models where name = $1", "delete from rollup_pending where model = $1",
                "delete from rollup_late_events where model = $1",
            ] {
                try db.query(statement, [name])
            }
        }
    }
}
