/// A name spliced into SQL as an identifier (a table, a column, a schema), always double-quoted.
///
/// Values never need this: they are bound as parameters. Names cannot be bound, and the rollup's come from
/// analysts' files (a model's file name is its table, its header names the key), so every place that
/// splices one goes through here: quoting makes any text one identifier, so no name can end a statement or
/// start another.
public enum PostgresIdentifier {
    /// `"name"`, with `"` doubled.
    public static func quoted(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }

    /// `"schema"."name"`.
    public static func qualified(_ schema: String, _ name: String) -> String { quoted(schema) + "." + quoted(name) }
}
