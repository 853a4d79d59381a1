import ArgumentParser

/// A duration flag: `500ms`, `30s`, `5m`, `2h` (a bare number is seconds).
public struct DurationArgument: ExpressibleByArgument, Sendable {
    public var milliseconds: UInt64

    public init(milliseconds: UInt64) { self.milliseconds = milliseconds }

    public init?(argument: String) {
        let units: [(String, UInt64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where argument.hasSuffix(suffix) {
            let number = argument.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }
            guard let value = Double(number), value >= 0, value.isFinite else { return nil }
            milliseconds = UInt64(value * Double(factor))
            return
        }
        guard let seconds = Double(argument), seconds >= 0, seconds.isFinite else { return nil }
        milliseconds = UInt64(seconds * 1_000)
    }

    public var defaultValueDescription: String { "\(milliseconds)ms" }
}

/// A rate flag: events per second, or `unlimited`.
public struct RateArgument: ExpressibleByArgument, Sendable {
    public var perSecond: Double?

    public init(perSecond: Double?) { self.perSecond = perSecond }

    public init?(argument: String) {
        if argument == "unlimited" || argument == "0" {
            perSecond = nil
            return
        }
        guard let value = Double(argument), value > 0, value.isFinite else { return nil }
        perSecond = value
    }

    public var defaultValueDescription: String { perSecond.map { "\($0)" } ?? "unlimited" }
}
