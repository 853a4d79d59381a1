import Synchronization

/// What `/readyz` answers: a few named checks (postgres, kafka, progress), each set by the component that
/// knows, each valid only for a while.
///
/// A check that is not renewed in time turns into "not ready" by itself, so a component whose checking
/// thread hangs is not reported ready forever on its last good word.
public final class Readiness: Sendable {
    /// One check's last word.
    struct Check: Sendable {
        var ready: Bool
        var detail: String
        var expires: ContinuousClock.Instant
    }

    private let checks = Mutex<[String: Check]>([:])
    /// Checks that must have reported before the first "ready": absent counts as not ready.
    private let required: [String]

    public init(required: [String]) { self.required = required }

    /// Records a check's outcome, valid for `validFor` (then it reads as "not ready: no recent check").
    public func set(_ name: String, ready: Bool, _ detail: String, validFor: Duration = .seconds(30)) {
        let check = Check(ready: ready, detail: detail, expires: .now + validFor)
        checks.withLock { $0[name] = check }
    }

    /// Whether every required check is present, recent and ready, and one line per check for the body.
    public func report() -> (ready: Bool, lines: [String]) {
        let now = ContinuousClock.now
        let current = checks.withLock { $0 }
        var ready = true
        var lines: [String] = []
        for name in Set(required).union(current.keys).sorted() {
            guard let check = current[name] else {
                ready = false
                lines.append("\(name): not ready: not checked yet")
                continue
            }
            if check.expires < now {
                ready = false
                lines.append("\(name): not ready: no recent check (last: \(check.detail))")
            } else {
                ready = ready && check.ready
                lines.append("\(name): \(check.ready ? "ok" : "not ready"): \(check.detail)")
            }
        }
        return (ready, lines)
    }
}
