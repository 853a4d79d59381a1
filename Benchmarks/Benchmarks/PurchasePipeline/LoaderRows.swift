import Benchmark
import KafkaClient
import PipelineCore

/// The loader's own per-message work, through the `LoadBatch.add` the loader calls: binary COPY rows (or
/// dead letters) in a batch's buffer. The loader streams that buffer to Postgres every 64 KiB; here a
/// batch is replaced after 256 messages (about that many bytes) so the buffer stays as small and as warm
/// in cache as the loader's. A class, made once per benchmark, so offsets run on across iterations.
final class LoaderRows {
    private var batch = LoadBatch(id: 1)
    private let decoder = PurchaseDecoder()
    private var offset: Int64 = 0

    /// Decodes, validates and encodes one message value, as the loader does for each consumed message.
    func add(value: UnsafeRawBufferPointer) {
        batch.add(message(value: value), decoder: decoder, now: .coarseNow())
        moveOn()
    }

    /// Encodes an already decoded purchase: the COPY row writing alone.
    func add(_ event: PurchaseEvent) {
        batch.add(event, from: message(value: nil))
        moveOn()
    }

    private func message(value: UnsafeRawBufferPointer?) -> KafkaMessage {
        KafkaMessage(topic: "purchases", partition: 3, offset: offset, key: nil, value: value)
    }

    private func moveOn() {
        offset += 1
        if batch.messageCount == 256 {
            blackHole(batch)
            batch = LoadBatch(id: 1)
        }
    }
}
