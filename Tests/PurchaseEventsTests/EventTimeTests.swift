import Testing

@testable import PurchaseEvents

@Suite struct EventTimeTests {
    @Test func parsesUTCWithMilliseconds() throws {
        let t = try #require(EventTime("2026-11-24T20:15:03.123Z"))
        #expect(t.microsecondsSinceEpoch == 1_795_551_303_123_000)
        #expect(t.description == "2026-11-24T20:15:03.123Z")
    }

    @Test func appliesOffsetsAndFractions() throws {
        #expect(EventTime("2026-11-24T21:15:03+01:00") == EventTime("2026-11-24T20:15:03Z"))
        #expect(try #require(EventTime("2000-01-01T00:00:00.000001Z")).postgresMicroseconds == 1)
        #expect(EventTime("1969-12-31T23:59:59.5Z")?.microsecondsSinceEpoch == -500_000)
    }

    @Test(arguments: [
        "", "2026-11-24", "2026-11-24 20:15:03Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T20:15:03", "2026-11-24T20:15:03.Z", "2026-11-24T20:15:03Zjunk", "yesterday",
    ])
    func rejectsMalformedTimes(_ text: String) {
        #expect(EventTime(text) == nil)
    }

    @Test func leapDayIsValid() {
        #expect(EventTime("2028-02-29T12:00:00Z") != nil)
    }

    @Test func minuteFloorsTowardsThePast() throws {
        let t = try #require(EventTime("2026-11-24T20:15:59.999Z"))
        let minute = try #require(EventTime("2026-11-24T20:15:00Z"))
        #expect(t.minuteEpochSeconds == minute.microsecondsSinceEpoch / 1_000_000)
        let before = try #require(EventTime("1969-12-31T23:59:30Z"))
        #expect(before.minuteEpochSeconds == -60)
    }

    @Test func roundTripsThroughText() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<1_000 {
            let micros = Int64(rng.next() % 4_000_000_000_000) * 1_000
            let t = EventTime(microsecondsSinceEpoch: micros)
            #expect(EventTime(t.description) == t)
        }
    }
}
