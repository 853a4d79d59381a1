import Benchmark
import PurchaseEvents

/// The loader's own per-message work, through the `StagingRows.add` the loader's batch calls: binary COPY
/// rows (or dead letters) in a batch's buffer. The loader streams that buffer to Postgres every 64 KiB; here a
/// batch is replaced after 256 messages (about that many bytes) so the buffer stays as small and as warm
/// in cache as the loader's. A class, made once per benchmark, so offsets run on across iterations.
final class LoaderRows {
    private var batch = StagingRows(batchID: 1, reservingCapacity: 1 << 17)
    private let decoder = PurchaseDecoder()
    private var offset: Int64 = 0

    /// Decodes, validates and encodes one message value, as the loader does for each consumed message.
    func add(value: UnsafeRawBufferPointer) {
        batch.add(value: value, key: nil, origin: origin(), decoder: decoder, now: .coarseNow())
        moveOn()
    }

    /// Encodes an already decoded purchase: the COPY row writing alone.
    func add(_ event: PurchaseEvent) {
        batch.add(event, origin: origin())
        moveOn()
    }

    private func origin() -> MessageOrigin {
        MessageOrigin(topic: "purchases", partition: 3, offset: offset)
    }

    private func moveOn() {
        offset += 1
        if batch.messageCount == 256 {
            blackHole(batch)
            batch = StagingRows(batchID: 1, reservingCapacity: 1 << 17)
        }
    }
}
