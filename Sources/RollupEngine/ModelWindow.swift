/// A model's window: its size and the time zone whose local midnight it is aligned to.
///
/// Windows are `[start, end)`, where `purchase_window_start(ts, size, zone)` and `purchase_window_end(start,
/// size, zone)` (migration V016) are the one rule for both, in the database: the engine only passes the
/// size and zone on. Minute and hour windows count from the local midnight of their day (so they follow
/// :30 and :45 zones, and a 25-hour day's last 2-hour window is one hour long); days, ISO weeks and months
/// are local calendar units. Sizes that do not tile a day (7 minutes, 5 hours) are refused, because their
/// windows would not line up from one day to the next.
package struct ModelWindow: Sendable, Equatable, Hashable, CustomStringConvertible {
    package enum Size: Sendable, Equatable, Hashable {
        case minutes(Int)
        case day
        case week
        case month
    }

    package var size: Size
    /// An IANA time zone name; `UTC` by default.
    package var zone: String

    package init(_ size: Size, zone: String = "UTC") {
        self.size = size
        self.zone = zone
    }

    /// The size as a Postgres interval, as the window functions take it.
    package var interval: String {
        switch size {
        case .minutes(let minutes): minutes % 60 == 0 ? "\(minutes / 60) hours" : "\(minutes) minutes"
        case .day: "1 day"
        case .week: "7 days"
        case .month: "1 month"
        }
    }

    /// How the header says it, for messages and `rollup status`.
    package var description: String {
        let size =
            switch self.size {
            case .minutes(let m) where m % 60 == 0: m == 60 ? "1 hour" : "\(m / 60) hours"
            case .minutes(let m): m == 1 ? "1 minute" : "\(m) minutes"
            case .day: "1 day"
            case .week: "1 week"
            case .month: "1 month"
            }
        return zone == "UTC" ? size : "\(size) (\(zone))"
    }

    /// The length in minutes of a fixed-length window (minutes and hours; a day in UTC), nil for calendar ones.
    package var fixedMinutes: Int? {
        switch size {
        case .minutes(let minutes): minutes
        case .day: zone == "UTC" ? 1_440 : nil
        case .week, .month: nil
        }
    }

    /// Whether the window is at least an hour long: `rollup plan` warns when a model recomputes such windows
    /// from raw events on every pass.
    package var isHourOrLonger: Bool {
        if case .minutes(let minutes) = size { return minutes >= 60 }
        return true
    }

    /// `15 minutes`, `1 minute`, `2 hours`, `1 day`, `1 week`, `1 month`; nil for anything else, and for
    /// minutes not dividing an hour or hours not dividing a day.
    package static func size(parsing text: String) -> Size? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        let unit =
            parts[1].lowercased().hasSuffix("s") ? String(parts[1].lowercased().dropLast()) : parts[1].lowercased()
        switch (unit, count) {
        case ("minute", _) where 60 % count == 0: return .minutes(count)
        case ("hour", _) where 24 % count == 0: return count == 24 ? .day : .minutes(count * 60)
        case ("day", 1): return .day
        case ("week", 1): return .week
        case ("month", 1): return .month
        default: return nil
        }
    }

    /// Whether every window of `self` is a union of whole windows of `source`, so a model of these windows
    /// can be summed from the source's rows: each source window then lies in exactly one of them.
    ///
    /// In one zone, a window nests in the source's when the source's size divides it (minutes and hours both
    /// count from local midnight) or it is a calendar unit built of the source's (days of sub-day windows,
    /// weeks and months of days). Across zones the local midnights differ, by a whole number of quarter hours
    /// in every zone in use today; so a source window dividing 15 minutes nests in any window that is a
    /// multiple of it, and nothing longer does (a Kolkata day, from 18:30 UTC, splits a UTC hour).
    package func nests(in source: ModelWindow) -> Bool {
        if zone != source.zone {
            guard case .minutes(let s) = source.size, 15 % s == 0 else { return false }
            if case .minutes(let m) = size { return m % s == 0 }
            return true
        }
        switch (source.size, size) {
        case (.minutes(let s), .minutes(let m)): return m % s == 0
        case (.minutes, _): return true
        case (.day, .day), (.day, .week), (.day, .month): return true
        case (.week, .week), (.month, .month): return true
        default: return false
        }
    }
}
