/// Whether a model's `select` is a plain sum of its events, so that a pass may add a batch's new events to the
/// stored rows instead of recomputing each touched window from all its events.
///
/// There is no SQL parser among our packages, so the engine accepts one documented, restricted form and
/// recomputes everything else (that is always exact, only slower):
///
/// ```sql
/// select <key expressions and measures> from purchase_events [[as] alias] [where <condition on the row>]
/// group by <...>
/// ```
///
/// where every output column that is not a key column is `count(*)`, `count(expr)` or `sum(expr)` with a name
/// (`as name`). Adding is exact for these: a window's count or sum over old and new events is the old one
/// plus the new one's. `distinct`, `having`, `filter`, window functions (`over`), joins, subqueries, CTEs,
/// set operations, `order by`/`limit`, an expression over an aggregate, and any other aggregate (`min`,
/// `max`, `avg`, `count(distinct ...)`) make the model recompute its touched windows.
package enum AdditiveForm {
    /// The measure columns, by name, when the whole statement has the form above; otherwise why not.
    package static func measures(of sql: String, key: [String]) -> Result<[String], Refusal> {
        let tokens = SQLToken.tokens(of: sql)
        var i = 0
        func word(_ at: Int) -> String? {
            guard at < tokens.count, case .word(let w) = tokens[at] else { return nil }
            return w
        }
        guard word(0) == "select" else { return .failure(Refusal("it is not a single select (a CTE or another form)")) }
        // The top level: select list, from, optional where, group by, nothing else.
        var clauses: [String: Range<Int>] = [:]
        var current = "select"
        var start = 1
        var depth = 0
        i = 1
        var fromCount = 0
        while i < tokens.count {
            let token = tokens[i]
            if token == .symbol("(") { depth += 1 }
            if token == .symbol(")") { depth -= 1 }
            if let w = word(i), Self.anywhereRefused.contains(w) {
                return .failure(Refusal("it uses \(w)"))
            }
            if depth == 0, let w = word(i) {
                let clause: String? =
                    switch w {
                    case "from", "where": w
                    case "group" where word(i + 1) == "by": "group by"
                    case "having", "window", "order", "limit", "offset", "union", "intersect", "except", "join",
                        "fetch", "for", "distinct", "lateral", "natural", "cross", "left", "right", "full", "inner":
                        "refused:" + w
                    default: nil
                    }
                if let clause {
                    if clause.hasPrefix("refused:") { return .failure(Refusal("it uses \(clause.dropFirst(8))")) }
                    clauses[current] = start..<i
                    current = clause
                    if clause == "from" { fromCount += 1 }
                    i += clause == "group by" ? 2 : 1
                    start = i
                    continue
                }
            }
            if depth == 0, current == "from", token == .symbol(",") {
                return .failure(Refusal("it reads more than one relation"))
            }
            i += 1
        }
        clauses[current] = start..<tokens.count
        guard fromCount == 1, let from = clauses["from"], clauses["group by"] != nil, let list = clauses["select"]
        else { return .failure(Refusal("it is not `select ... from purchase_events ... group by ...`")) }
        let relation = Array(tokens[from])
        guard relation.first == .word("purchase_events"),
            relation.count == 1 || (relation.count == 2 && relation[1].isName)
                || (relation.count == 3 && relation[1] == .word("as") && relation[2].isName)
        else { return .failure(Refusal("it does not read purchase_events alone")) }
        if let condition = clauses["where"], tokens[condition].contains(where: { $0 == .word("select") }) {
            return .failure(Refusal("its where clause has a subquery"))
        }

        var measures: [String] = []
        for item in split(Array(tokens[list])) {
            guard let (expression, name) = named(item) else {
                return .failure(Refusal("an output column has no name (add `as name`)"))
            }
            if key.contains(name) { continue }
            guard isMeasure(expression) else {
                return .failure(Refusal("\(name) is not count(*), count(expr) or sum(expr) over the events"))
            }
            measures.append(name)
        }
        return .success(measures)
    }

    /// Why a model is recomputed rather than added to, for `rollup plan`.
    package struct Refusal: Error, Equatable, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    /// Words that make adding inexact, or that the form does not cover, wherever they appear.
    static let anywhereRefused: Set<String> = ["over", "filter", "distinct", "within", "with", "rollup", "cube"]

    /// Aggregates other than count and sum, refused inside a measure (an aggregate over an aggregate is an
    /// error anyway, and `sum(max(x))` is not a sum of events).
    static let otherAggregates: Set<String> = [
        "avg", "min", "max", "array_agg", "string_agg", "json_agg", "jsonb_agg", "bool_and", "bool_or", "every",
        "stddev", "variance", "percentile_cont", "percentile_disc", "mode", "count", "sum", "bit_and", "bit_or",
        "json_object_agg", "jsonb_object_agg", "xmlagg", "range_agg", "corr", "covar_pop", "regr_count",
        "stddev_pop", "stddev_samp", "var_pop", "var_samp", "select",
    ]

    /// The select list's items, split at top-level commas.
    static func split(_ tokens: [SQLToken]) -> [[SQLToken]] {
        var items: [[SQLToken]] = [[]]
        var depth = 0
        for token in tokens {
            if token == .symbol("(") { depth += 1 }
            if token == .symbol(")") { depth -= 1 }
            if depth == 0, token == .symbol(",") {
                items.append([])
            } else {
                items[items.count - 1].append(token)
            }
        }
        return items
    }

    /// An item's expression and its output name: `expr as name`, `expr name`, `column` or `alias.column`.
    static func named(_ item: [SQLToken]) -> (expression: [SQLToken], name: String)? {
        guard let last = item.last, case .word(let name) = last else {
            if let last = item.last, case .quoted(let name) = last, item.count >= 1 {
                return (Array(item.dropLast(item.count >= 3 && item[item.count - 2] == .word("as") ? 2 : 1)), name)
            }
            return nil
        }
        if item.count == 1 { return (item, name) }
        if item.count >= 3, item[item.count - 2] == .word("as") { return (Array(item.dropLast(2)), name) }
        if item.count == 3, item[1] == .symbol(".") { return (item, name) }
        if item.count >= 2, item[item.count - 2] == .symbol(")") { return (Array(item.dropLast()), name) }
        return nil
    }

    /// `count(*)`, `count(expr)` or `sum(expr)`, with no aggregate or subquery inside.
    static func isMeasure(_ expression: [SQLToken]) -> Bool {
        guard expression.count >= 3, expression[0] == .word("count") || expression[0] == .word("sum"),
            expression[1] == .symbol("("), expression.last == .symbol(")")
        else { return false }
        let inner = expression[2..<(expression.count - 1)]
        var depth = 0
        for token in inner {
            if token == .symbol("(") { depth += 1 }
            if token == .symbol(")") { depth -= 1 }
            if depth < 0 { return false }  // `count(a) + sum(b)`: the first call closed early
            if case .word(let w) = token, otherAggregates.contains(w) { return false }
        }
        if expression[0] == .word("sum"), inner.count == 1, inner.first == .symbol("*") { return false }
        return depth == 0 && !inner.isEmpty
    }
}

/// A token of a SQL text, as far as `AdditiveForm` needs: words (lowercased), quoted identifiers, literals
/// and symbols; comments and whitespace dropped.
enum SQLToken: Equatable {
    case word(String)
    case quoted(String)
    case literal(String)
    case symbol(String)

    var isName: Bool {
        switch self {
        case .word, .quoted: true
        default: false
        }
    }

    static func tokens(of sql: String) -> [SQLToken] {
        let text = Array(SQLMeaning.of(sql).unicodeScalars)
        var tokens: [SQLToken] = []
        var i = 0
        func isWordScalar(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || (c >= "0" && c <= "9") || c == "_" || c == "$"
        }
        while i < text.count {
            let c = text[i]
            if c == " " {
                i += 1
            } else if c == "'" || c == "\"" {
                var j = i + 1
                var body = String.UnicodeScalarView()
                while j < text.count {
                    if text[j] == c {
                        if j + 1 < text.count, text[j + 1] == c {
                            body.append(c)
                            j += 2
                            continue
                        }
                        break
                    }
                    body.append(text[j])
                    j += 1
                }
                tokens.append(c == "'" ? .literal(String(body)) : .quoted(String(body)))
                i = j + 1
            } else if isWordScalar(c) {
                var j = i
                while j < text.count, isWordScalar(text[j]) { j += 1 }
                tokens.append(.word(String(String.UnicodeScalarView(text[i..<j])).lowercased()))
                i = j
            } else {
                tokens.append(.symbol(String(c)))
                i += 1
            }
        }
        return tokens
    }
}
