import Foundation
import Testing

@testable import ProcessSupport

/// Every pause in the pipeline (the rollup's timer, reconnect backoff, the migration lock, the generator's
/// rate) waits on the stop signal, so SIGTERM must end a wait at once and a wait must otherwise last.
@Suite struct StopSignalTests {
    @Test func aWaitLastsUntilItsTimeWhenNotStopped() {
        let stop = StopSignal()
        let started = DispatchTime.now().uptimeNanoseconds
        #expect(stop.wait(milliseconds: 50))
        #expect(DispatchTime.now().uptimeNanoseconds - started >= 50_000_000)
    }

    @Test func stoppingEndsAWaitAtOnce() {
        let stop = StopSignal()
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.1)
            stop.stop()
        }
        stopper.start()
        let started = DispatchTime.now().uptimeNanoseconds
        #expect(!stop.wait(milliseconds: 60_000))
        #expect(DispatchTime.now().uptimeNanoseconds - started < 30_000_000_000)
        #expect(stop.isStopped)
    }

    @Test func aStoppedSignalDoesNotWait() {
        let stop = StopSignal()
        stop.stop()
        #expect(!stop.wait(milliseconds: 60_000))
    }
}
