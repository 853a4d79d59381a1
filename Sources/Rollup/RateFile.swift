import Foundation
import PostgresClient
import ProcessSupport

/// A CSV of dated rates, `currency,valid_from,units_per_XXX[,source]`, whose third column's name says the
/// quote currency (`units_per_usd`: how many units of `currency` one US dollar buys from `valid_from`, a UTC
/// day, on). The shipped `data/exchange_rates.csv` is one; a user's own daily rates are another.
///
/// Rows go through Postgres' own CSV reader (`COPY ... csv header`) into a session table and are then
/// merged into `exchange_rates` in one transaction: a file with a bad line loads nothing, and Postgres'
/// message names the line.
struct RateFile {
    let path: String
    let quoteCurrency: String
    let bytes: [UInt8]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError(.file, "cannot read the rates file \(path)")
        }
        let header = String(decoding: data.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard columns.count == 3 || columns.count == 4, columns[0] == "currency", columns[1] == "valid_from",
            columns[2].hasPrefix("units_per_"), columns[2].count == "units_per_".count + 3,
            columns.count == 3 || columns[3] == "source"
        else {
            throw PipelineError(
                .file,
                "\(path): the first line must be currency,valid_from,units_per_XXX[,source] (XXX the quote currency, e.g. units_per_usd), not \(header.prefix(80).debugDescription)"
            )
        }
        self.path = path
        self.quoteCurrency = String(columns[2].dropFirst("units_per_".count)).uppercased()
        self.bytes = [UInt8](data)
        hasSource = columns.count == 4
    }

    private let hasSource: Bool

    struct Loaded {
        var rows = 0
        var added = 0
        var changed = 0
        var currencies = 0
        var firstDay = ""
        var lastDay = ""
    }

    /// Merges the file into `exchange_rates`: new (currency, day) rows are added, existing ones take the
    /// file's rate and source.
    func load(into db: PostgresConnection) throws -> Loaded {
        try db.withTransaction { db in
            _ = try db.query(
                """
                create temporary table rates_in (currency text, valid_from date, units_per_quote numeric, \
                source text) on commit drop
                """)
            _ = try db.copyFrom(
                "copy rates_in (currency, valid_from, units_per_quote\(hasSource ? ", source" : "")) from stdin with (format csv, header true)"
            ) { writer in try writer.write(bytes) }
            let problems = try db.query(
                """
                select coalesce(string_agg(distinct c.code, ', '), ''),
                       count(*) filter (where i.currency is null or i.valid_from is null or i.units_per_quote is null
                                          or i.units_per_quote <= 0),
                       (select count(*) from (select 1 from rates_in group by currency, valid_from
                                              having count(*) > 1) as twice)
                from rates_in as i
                left join lateral (select i.currency as code where not exists
                    (select 1 from currencies where code = i.currency)) as c on true
                """)
            let unknown = try problems.value(String.self, row: 0, column: 0)
            let invalid = try problems.value(Int.self, row: 0, column: 1)
            let repeated = try problems.value(Int.self, row: 0, column: 2)
            guard try db.query("select 1 from currencies where code = $1", [quoteCurrency]).rowCount == 1 else {
                throw PipelineError(.file, "\(path): \(quoteCurrency) (from units_per_…) is not an ISO 4217 currency")
            }
            guard unknown.isEmpty, invalid == 0, repeated == 0 else {
                var reasons: [String] = []
                if !unknown.isEmpty { reasons.append("unknown currency codes \(unknown)") }
                if invalid > 0 { reasons.append("\(invalid) rows with an empty field or a rate not above 0") }
                if repeated > 0 { reasons.append("\(repeated) (currency, valid_from) pairs given twice") }
                throw PipelineError(.file, "\(path): nothing loaded: " + reasons.joined(separator: "; "))
            }
            let merged = try db.query(
                """
                with merged as (
                    insert into exchange_rates as e (quote_currency, currency, valid_from, units_per_quote, source)
                    select $1, currency, valid_from, units_per_quote, coalesce(source, '') from rates_in
                    where currency <> $1
                    on conflict (quote_currency, currency, valid_from) do update
                        set units_per_quote = excluded.units_per_quote, source = excluded.source, loaded_at = now()
                        where (e.units_per_quote, e.source) is distinct from (excluded.units_per_quote, excluded.source)
                    returning xmax = 0 as added
                )
                select (select count(*) from rates_in), count(*) filter (where added), count(*) filter (where not added),
                       (select count(distinct currency) from rates_in),
                       coalesce((select min(valid_from)::text from rates_in), ''),
                       coalesce((select max(valid_from)::text from rates_in), '')
                from merged
                """, [quoteCurrency])
            return Loaded(
                rows: try merged.value(Int.self, row: 0, column: 0),
                added: try merged.value(Int.self, row: 0, column: 1),
                changed: try merged.value(Int.self, row: 0, column: 2),
                currencies: try merged.value(Int.self, row: 0, column: 3),
                firstDay: try merged.value(String.self, row: 0, column: 4),
                lastDay: try merged.value(String.self, row: 0, column: 5))
        }
    }
}
