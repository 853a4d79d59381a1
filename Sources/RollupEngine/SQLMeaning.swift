/// The part of a SQL text that decides what it does: comments removed and whitespace kept only where it
/// separates two words or two operator characters. A model's version fingerprints this, so an analyst who
/// fixes a comment or re-indents a file causes no recompute, while any other change is a new version.
///
/// Quoted text is kept exactly: string literals (`'...'`, with `''` and, after `E`, backslash escapes),
/// quoted identifiers (`"..."`) and dollar-quoted bodies (`$tag$...$tag$`; `$1` is a parameter, not a quote).
enum SQLMeaning {
    static func of(_ sql: String) -> String {
        let text = Array(sql.unicodeScalars)
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var i = 0

        func emit(_ scalar: Unicode.Scalar) {
            if pendingSpace, let previous = out.last, separates(previous, scalar) { out.append(" ") }
            pendingSpace = false
            out.append(scalar)
        }
        /// Copies text[i...] up to and including the first `end` sequence (or the end of the text).
        func copyQuoted(from start: Int, until end: [Unicode.Scalar], backslashEscapes: Bool = false) -> Int {
            var j = start
            while j < text.count {
                if backslashEscapes, text[j] == "\\", j + 1 < text.count {
                    emit(text[j])
                    emit(text[j + 1])
                    j += 2
                    continue
                }
                if text[j...].starts(with: end) {
                    for scalar in end { emit(scalar) }
                    return j + end.count
                }
                emit(text[j])
                j += 1
            }
            return j
        }

        while i < text.count {
            let c = text[i]
            let next: Unicode.Scalar? = i + 1 < text.count ? text[i + 1] : nil
            if c == "-", next == "-" {
                while i < text.count, text[i] != "\n" { i += 1 }
                pendingSpace = true
            } else if c == "/", next == "*" {
                var depth = 0
                repeat {
                    if text[i...].starts(with: ["/", "*"]) {
                        depth += 1
                        i += 2
                    } else if text[i...].starts(with: ["*", "/"]) {
                        depth -= 1
                        i += 2
                    } else {
                        i += 1
                    }
                } while depth > 0 && i < text.count
                pendingSpace = true
            } else if c.properties.isWhitespace {
                pendingSpace = true
                i += 1
            } else if c == "'" {
                let escapes = !pendingSpace && (out.last == "E" || out.last == "e")
                emit(c)
                // '' inside a literal is two quotes in a row: the copy ends at the first, the next round
                // starts a new "literal" at the second, and the text comes out the same either way.
                i = copyQuoted(from: i + 1, until: ["'"], backslashEscapes: escapes)
            } else if c == "\"" {
                emit(c)
                i = copyQuoted(from: i + 1, until: ["\""])
            } else if c == "$", let tag = dollarTag(text, at: i) {
                for scalar in tag { emit(scalar) }
                i = copyQuoted(from: i + tag.count, until: tag)
            } else {
                emit(c)
                i += 1
            }
        }
        return String(out)
    }

    /// `$tag$` or `$$` starting at `i`, if one does (a `$` followed by digits is a parameter).
    private static func dollarTag(_ text: [Unicode.Scalar], at i: Int) -> [Unicode.Scalar]? {
        var j = i + 1
        while j < text.count, text[j] == "_" || text[j].properties.isAlphabetic || (j > i + 1 && isDigit(text[j])) {
            j += 1
        }
        guard j < text.count, text[j] == "$" else { return nil }
        return Array(text[i...j])
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    /// Whether a space between `a` and `b` is needed to keep them apart: two word characters (`select x`)
    /// or two operator characters (`- -1` is not `--1`).
    private static func separates(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        func word(_ c: Unicode.Scalar) -> Bool {
            c.properties.isAlphabetic || isDigit(c) || c == "_" || c == "$" || c == "'" || c == "\"" || c == "."
        }
        func op(_ c: Unicode.Scalar) -> Bool { "+-*/<>=~!@#%^&|`?".unicodeScalars.contains(c) }
        return (word(a) && word(b)) || (op(a) && op(b))
    }
}
