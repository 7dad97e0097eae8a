import Foundation

/// bcrypt hashes of random passwords nobody knows, one per cost, made on first use.
///
/// `@unchecked Sendable`: the table is read and written only under `lock`; it is shared by
/// the bcrypt threads of `PasswordCheckQueue`.
final class DecoyHashes: @unchecked Sendable {
    static let shared = DecoyHashes()

    /// Costs above this are not mirrored (a hash claiming cost 31 would take hours); such
    /// hashes do not occur in Laravel installs.
    static let maximumCost = 16

    private let lock = NSLock()
    private var hashes: [Int: String] = [:]

    /// Call on a bcrypt thread, never on a worker queue: making a hash costs as much as a check.
    func hash(cost: Int) -> String { decoy(cost: cost).hash }

    /// Exactly one bcrypt computation at `cost` for `password`, whose answer is always "no":
    /// a check against the decoy of that cost or, when there is none yet, the making of it
    /// (which costs the same), so the first unknown email of a cost takes no longer than the
    /// next. Call on a bcrypt thread.
    func check(_ password: String, cost: Int) {
        let (hash, madeNow) = decoy(cost: cost)
        if !madeNow { _ = PasswordHasher.verify(password, hash: hash) }
    }

    private func decoy(cost: Int) -> (hash: String, madeNow: Bool) {
        let cost = min(max(cost, 4), Self.maximumCost)
        lock.lock()
        if let known = hashes[cost] { lock.unlock(); return (known, false) }
        lock.unlock()
        let made = PasswordHasher.hash(SecureRandom.uuidV4(), cost: cost) ?? PasswordHasher.decoyHash
        lock.lock()
        defer { lock.unlock() }
        if let raced = hashes[cost] { return (raced, true) }
        hashes[cost] = made
        return (made, true)
    }
}
