#if canImport(Glibc)
    import Glibc
#endif

/// An instant in UTC, in microseconds since the Unix epoch: Postgres' `timestamptz` resolution.
///
/// Event times travel as RFC 3339 text (`2026-11-24T20:15:03.123Z`); they are parsed here without
/// Foundation's formatters, which are slow and locale-sensitive, and without floating point.
public struct EventTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) { self.microsecondsSinceEpoch = microsecondsSinceEpoch }

    /// Microseconds between 1970-01-01 and 2000-01-01, Postgres' binary epoch.
    static let postgresEpochOffset: Int64 = 946_684_800_000_000

    /// Microseconds since 2000-01-01, what binary COPY wants.
    public var postgresMicroseconds: Int64 { microsecondsSinceEpoch - Self.postgresEpochOffset }

    /// The start of the UTC minute this instant falls in, in seconds since the epoch (for the ingest ledger).
    public var minuteEpochSeconds: Int64 {
        let seconds =
            microsecondsSinceEpoch >= 0
            ? microsecondsSinceEpoch / 1_000_000 : (microsecondsSinceEpoch - 999_999) / 1_000_000
        return seconds - ((seconds % 60) + 60) % 60
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, fraction up to 9 digits (kept to µs).
    public init?(rfc3339 bytes: UnsafeRawBufferPointer) {
        var i = 0
        let n = bytes.count
        func digits(_ count: Int) -> Int? {
            guard i + count <= n else { return nil }
            var value = 0
            for _ in 0..<count {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
                i += 1
            }
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, bytes[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else {
            return nil
        }
        guard i < n, bytes[i] == 84 || bytes[i] == 116 else { return nil }  // T or t
        i += 1
        guard let hour = digits(2), expect(58), let minute = digits(2), expect(58), let second = digits(2) else {
            return nil
        }
        var micros = 0
        if i < n, bytes[i] == 46 {  // .
            i += 1
            var count = 0
            while i < n, bytes[i] >= 48, bytes[i] <= 57 {
                if count < 6 { micros = micros * 10 + Int(bytes[i] - 48) }
                count += 1
                i += 1
            }
            guard count >= 1, count <= 9 else { return nil }
            for _ in min(count, 6)..<6 { micros *= 10 }
        }
        var offsetSeconds = 0
        guard i < n else { return nil }
        if bytes[i] == 90 || bytes[i] == 122 {  // Z or z
            i += 1
        } else if bytes[i] == 43 || bytes[i] == 45 {  // + or -
            let sign = bytes[i] == 43 ? 1 : -1
            i += 1
            guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == n, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        self.microsecondsSinceEpoch = seconds * 1_000_000 + Int64(micros)
    }

    public init?(_ string: String) {
        var copy = string
        guard let parsed = copy.withUTF8({ EventTime(rfc3339: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The UTC calendar fields (years 0...9999), millisecond precision.
    var utcComponents: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        var seconds = microsecondsSinceEpoch / 1_000_000
        var micros = microsecondsSinceEpoch % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        var days = Int(seconds / 86_400)
        var secondOfDay = Int(seconds % 86_400)
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (y, m, d) = Self.civilFromDays(days)
        return (y, m, d, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60, Int(micros / 1000))
    }

    /// RFC 3339 in UTC with milliseconds, the form the generator writes.
    public var description: String {
        String(decoding: JSONByteWriter.bytes(bound: JSONByteWriter.timeBound) { $0.time(self) }, as: UTF8.self)
    }

    public static func < (a: EventTime, b: EventTime) -> Bool { a.microsecondsSinceEpoch < b.microsecondsSinceEpoch }

    /// The wall clock now.
    public static func now() -> EventTime { read(CLOCK_REALTIME) }

    /// The wall clock to a few milliseconds, at a fraction of the cost: the loader's future-skew check
    /// runs once per message and tolerates an hour.
    public static func coarseNow() -> EventTime { read(CLOCK_REALTIME_COARSE) }

    private static func read(_ clock: clockid_t) -> EventTime {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return EventTime(microsecondsSinceEpoch: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000)
    }
}
