import Benchmark
import PurchaseEvents

/// The reference for `LoaderRows`: the same 15 columns as CSV text, what `psql \copy ... csv` reads,
/// written the straightforward way, one interpolated `String` per row appended to a `String` buffer
/// that is handed on every 64 KiB, as the loader streams its rows. A class for the reason `LoaderRows` is one.
final class CSVRows {
    private var buffer = ""
    private let topic = "purchases"
    private let partition: Int32 = 3
    private var offset: Int64 = 0
    private let batchID: Int64 = 1

    private static let streamThreshold = 1 << 16

    init() { buffer.reserveCapacity(2 * Self.streamThreshold) }

    /// A row from `JSONDecoder`'s struct, or from a decoded event through `ReferencePurchase.init(_:)`,
    /// which formats ids, amounts and times with their `description`.
    func add(_ p: ReferencePurchase) {
        buffer += """
            \(p.purchaseID),\(Self.field(p.userID)),\(Self.field(p.productID)),\(Self.field(p.category)),\
            \(Self.field(p.country)),\(p.quantity),\(p.unitPrice),\(p.amount),\(Self.field(p.currency)),\
            \(Self.field(p.paymentMethod)),\(p.createdAt),\(Self.field(topic)),\(partition),\(offset),\(batchID)

            """
        next()
    }

    private func next() {
        offset += 1
        if buffer.utf8.count >= Self.streamThreshold {
            blackHole(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// A CSV field: quoted, with quotes doubled, only when it holds a comma, quote or line break.
    static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacing("\"", with: "\"\"") + "\""
    }
}
