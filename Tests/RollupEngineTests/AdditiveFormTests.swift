import Testing

@testable import RollupEngine

/// Which selects the engine adds new events to, and which it recomputes: the documented restricted form and
/// nothing else.
@Suite struct AdditiveFormTests {
    let key = ["window_start", "country"]

    func measures(_ sql: String) -> [String]? { try? AdditiveForm.measures(of: sql, key: key).get() }

    @Test func countsAndSumsOverPurchaseEventsAreAdded() {
        #expect(
            measures(
                """
                -- a comment
                select purchase_window_start(created_at, interval '15 minutes') as window_start, country,
                       count(*) as purchase_count, sum(quantity) as item_count, SUM(amount) AS total_amount,
                       count(coupon) coupons
                from purchase_events as e
                where e.amount > 0
                group by 1, 2;
                """) == ["purchase_count", "item_count", "total_amount", "coupons"])
        #expect(
            measures(
                "select date_trunc('day', created_at, 'UTC') as window_start, country, sum(quantity * unit_price) as gross from purchase_events group by 1, 2"
            )
                == ["gross"])
    }

    @Test(arguments: [
        "select w as window_start, country, count(distinct user_id) as buyers from purchase_events group by 1, 2",
        "select w as window_start, country, max(amount) as largest from purchase_events group by 1, 2",
        "select w as window_start, country, avg(amount) as mean from purchase_events group by 1, 2",
        "select w as window_start, country, count(*) as n from purchase_events group by 1, 2 having count(*) > 1",
        "select w as window_start, country, count(*) filter (where amount > 5) as n from purchase_events group by 1, 2",
        "select w as window_start, country, sum(amount) / count(*) as mean from purchase_events group by 1, 2",
        "select w as window_start, country, count(*) + 1 as n from purchase_events group by 1, 2",
        "select w as window_start, country, sum(amount)::numeric(18,2) as total from purchase_events group by 1, 2",
        "select w as window_start, p.country, count(*) as n from purchase_events e join products p using (product_id) group by 1, 2",
        "select w as window_start, country, count(*) as n from purchase_events, other group by 1, 2",
        "with e as (select * from purchase_events) select w as window_start, country, count(*) as n from e group by 1, 2",
        "select w as window_start, country, count(*) as n from purchase_summary group by 1, 2",
        "select w as window_start, country, count(*) as n, min(created_at) as first from purchase_events group by 1, 2",
        "select w as window_start, country, sum(count(*)) over () as n from purchase_events group by 1, 2",
        "select distinct w as window_start, country, count(*) as n from purchase_events group by 1, 2",
        "select w as window_start, country, count(*) as n from purchase_events where amount > (select 1) group by 1, 2",
        "select w as window_start, country, count(*) as n from purchase_events group by 1, 2 order by 1",
        "select w as window_start, country, region, count(*) as n from purchase_events group by 1, 2, 3",
        "select w as window_start, country, count(*) from purchase_events group by 1, 2",
    ])
    func anythingElseIsRecomputed(sql: String) {
        #expect(measures(sql) == nil, "\(sql)")
    }

    /// Whatever an analyst saves, half-typed files included, the form check answers and never traps.
    @Test func everyPrefixOfAModelIsAnswered() {
        let texts = [
            "select w as window_start, country, count(*) as n from purchase_events as e where (a = 'x''y') group by 1, 2",
            "select \"w\" as window_start, country, sum(\"amount\") \"total\" from purchase_events e group by 1, 2",
            "select (((a)) as window_start, country, count(x)) n from ) purchase_events , group by by",
        ]
        for text in texts {
            for end in text.indices {
                _ = AdditiveForm.measures(of: String(text[..<end]), key: key)
            }
        }
    }
}
