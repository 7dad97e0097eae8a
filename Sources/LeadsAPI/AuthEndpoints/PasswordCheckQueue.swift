import Dispatch

/// Runs bcrypt checks off the worker's queue, a bounded number at a time.
///
/// Why: a bcrypt check costs about 250 ms of CPU at Laravel's cost 12. On the worker's serial
/// queue it would stall every other connection of that worker for that long. So the check runs
/// on a global concurrent queue and the answer hops back to the worker queue. The bound keeps
/// a burst of logins (from many addresses, each within its own limit) from occupying every
/// core of the host: at most `maximumConcurrent` checks per worker run at once, at most
/// `maximumWaiting` wait, and past that the caller is told to answer 503 at once.
///
/// `@unchecked Sendable`: every stored property but the immutable `workerQueue` is read and
/// written only on `workerQueue`; the closure sent to the bcrypt queue captures only Sendable
/// strings and the job id, and touches `self` only by hopping back onto `workerQueue`.
public final class PasswordCheckQueue: @unchecked Sendable {
    /// Shared by every PasswordCheckQueue of the process; concurrency is bounded per instance.
    static let bcryptQueue = DispatchQueue(label: "leadsd.password-check", qos: .userInitiated, attributes: .concurrent)

    /// The stored hash to verify against, or the decoy (for an unknown email, or a stored value
    /// that is not bcrypt) so that every failed login costs the same bcrypt work.
    public enum Target: Sendable {
        case stored(String)
        case decoy
    }

    /// The bcrypt cost of the install's hashes: read from `users` with the worker's first login
    /// (`learnInstallCost`), then that of each real hash checked. An unknown email is checked
    /// against a decoy of this cost, so it takes as long as a wrong password whatever cost the
    /// install uses (Laravel 11 hashes at 12, Laravel ≤ 10 at 10). Nil until the first login.
    private var observedCost: Int?

    public let workerQueue: DispatchQueue
    public let maximumConcurrent: Int
    public let maximumWaiting: Int

    private struct Job: Sendable {
        let id: Int
        let password: String
        let target: Target
        let decoyCost: Int
    }

    private var running = 0
    private var waiting: [Job] = []
    private var waitingHead = 0
    private var nextID = 0
    private var completions: [Int: (Bool) -> Void] = [:]

    public init(workerQueue: DispatchQueue, maximumConcurrent: Int = 2, maximumWaiting: Int = 64) {
        self.workerQueue = workerQueue
        self.maximumConcurrent = max(1, maximumConcurrent)
        self.maximumWaiting = max(0, maximumWaiting)
    }

    /// Whether the install's cost is known; until it is, a login reads it along
    /// (`AuthEndpointStatements.installHashCost`).
    public var knowsInstallCost: Bool { observedCost != nil }

    /// The cost read from `users` (nil: no bcrypt hash there yet, a fresh install, whose
    /// hashes `leadsd user add` makes at the default cost). Call on `workerQueue`, before the
    /// check of the login that read it.
    public func learnInstallCost(_ cost: Int?) {
        guard observedCost == nil else { return }
        observedCost = cost.map { min(max($0, 4), DecoyHashes.maximumCost) } ?? PasswordHasher.defaultCost
    }

    /// Call on `workerQueue`. `completion` runs on `workerQueue` with the verdict, or returns
    /// false at once (without calling `completion`) when too many checks are waiting.
    @discardableResult
    public func verify(_ password: String, against target: Target, completion: @escaping (Bool) -> Void) -> Bool {
        guard waiting.count - waitingHead < maximumWaiting || running < maximumConcurrent else { return false }
        nextID &+= 1
        completions[nextID] = completion
        if case .stored(let hash) = target, let cost = Self.cost(of: hash) { observedCost = cost }
        let decoyCost = observedCost ?? PasswordHasher.defaultCost
        if case .decoy = target { lastDecoyCost = decoyCost }
        waiting.append(Job(id: nextID, password: password, target: target, decoyCost: decoyCost))
        startWaiting()
        return true
    }

    /// The bcrypt cost of the last decoy check queued (for tests: it must be the install's).
    private(set) var lastDecoyCost: Int?

    /// Checks queued or running (for tests and metrics).
    public var pending: Int { running + waiting.count - waitingHead }

    private func startWaiting() {
        while running < maximumConcurrent, waitingHead < waiting.count {
            let job = waiting[waitingHead]
            waitingHead += 1
            running += 1
            let workerQueue = self.workerQueue
            Self.bcryptQueue.async {
                let verdict = Self.check(job.password, job.target, decoyCost: job.decoyCost)
                workerQueue.async { self.finish(job.id, verdict) }
            }
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            waitingHead = 0
        }
    }

    private func finish(_ id: Int, _ verdict: Bool) {
        running -= 1
        let completion = completions.removeValue(forKey: id)
        startWaiting()
        completion?(verdict)
    }

    static func check(_ password: String, _ target: Target, decoyCost: Int = PasswordHasher.defaultCost) -> Bool {
        switch target {
        case .stored(let hash) where isBcrypt(hash):
            return PasswordHasher.verify(password, hash: hash)
        case .stored, .decoy:
            DecoyHashes.shared.check(password, cost: decoyCost)
            return false
        }
    }

    /// The cost of a bcrypt hash (`$2y$10$…` → 10), when it is one and within bcrypt's range.
    static func cost(of hash: String) -> Int? {
        guard isBcrypt(hash) else { return nil }
        let digits = hash.utf8.dropFirst(4).prefix(2)
        guard digits.count == 2, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let cost = Int(String(decoding: digits, as: UTF8.self)), (4...31).contains(cost) else { return nil }
        return min(cost, DecoyHashes.maximumCost)
    }

    /// The shapes `PasswordHasher.verify` accepts; anything else goes to the decoy so that its
    /// answer takes as long as a real check.
    static func isBcrypt(_ hash: String) -> Bool {
        hash.utf8.count == 60 && (hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$"))
    }
}
