/// A fixed list of strings encoded once as JSON string contents (escaped where JSON requires) and stored
/// end to end, so writing one into a message is a single copy.
struct EncodedStrings: Sendable {
    private let bytes: [UInt8]
    /// `starts[i]..<starts[i + 1]` holds string `i`.
    private let starts: [Int]
    /// The longest encoded string, in bytes.
    let maximumCount: Int

    init(_ strings: [String]) {
        var bytes: [UInt8] = []
        var starts = [0]
        var maximumCount = 0
        for string in strings {
            let encoded = JSONByteWriter.bytes(bound: JSONByteWriter.escapedBound(string)) { $0.escaped(string) }
            bytes += encoded
            starts.append(bytes.count)
            maximumCount = max(maximumCount, encoded.count)
        }
        self.bytes = bytes
        self.starts = starts
        self.maximumCount = maximumCount
    }

    /// Calls `body` with the encoded bytes of string `index`, valid only during the call.
    func withBytes<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[starts[index]..<starts[index + 1]]))
        }
    }

    /// Writes string `index` (at most `maximumCount` bytes).
    func write(_ index: Int, to writer: inout JSONByteWriter) {
        withBytes(index) { writer.raw($0) }
    }
}
