/// Array parameters in Postgres' text form (`{1,2,NULL}`), bound as one parameter and cast in SQL
/// (`$2::bigint[]`): many values in one round trip, still never spliced into the statement.
public enum PostgresArray {
    /// An integer array; nil elements are SQL NULL.
    public static func integers<Integer: BinaryInteger>(_ values: [Integer?]) -> String {
        "{" + values.map { $0.map { String($0) } ?? "NULL" }.joined(separator: ",") + "}"
    }

    /// A text array literal, every element double-quoted with `"` and `\` escaped, so that any text (commas,
    /// braces, `NULL`) arrives as itself.
    public static func text(_ values: [String]) -> String {
        let quoted = values.map { value in
            "\"" + value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        }
        return "{" + quoted.joined(separator: ",") + "}"
    }
}
