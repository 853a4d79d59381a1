/// A failure of the pipeline's own making (bad files, a fenced batch, a retention gap), with a message meant
/// to be the one line a person reads before the process exits non-zero.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
