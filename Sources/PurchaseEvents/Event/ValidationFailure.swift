/// Why a message is not a valid purchase: the text stored in the dead letter's `reason`, for a person to read.
public struct ValidationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
