#if canImport(Glibc)
import Glibc
#endif
import COpenSSL
import Synchronization

/// The session-ticket keys of a master and all its workers: the current key, which seals new
/// tickets and opens them, then older keys, which only open tickets (and have them replaced by
/// one of the current key). Keys rotate, so that a key that leaks cannot open the tickets,
/// and with them the recorded TLS 1.2 sessions, of every day the daemon ever ran.
///
/// The keys live in an anonymous shared mapping made by the master before it forks: the master
/// writes (`install`, `rotate`), every worker's TLS callback reads, and what the master writes
/// is what every worker of every generation uses from its next handshake on; a key dropped is
/// overwritten in the one place it was kept.
///
///     let ring = try TicketKeyRing()                        // one random key
///     try ring.install(TicketKeyRing.keys(inFile: path))    // or the operator's file
///     ring.rotate()                                         // master, every interval (in-memory keys)
///
/// A key is 80 bytes: 16 of name, 32 of HMAC-SHA256 key, 32 of AES-256 key, the layout of
/// OpenSSL's SSL_CTX_set_tlsext_ticket_keys and of nginx's key files.
public final class TicketKeyRing: @unchecked Sendable {
    // @unchecked Sendable: the shared words are only touched through atomics, under a sequence
    // lock (one writer, the master: readers retry while a write is under way); `source` is
    // read and written by the master's single thread only.
    public static let keyLength = 80
    /// Most keys a ring (and a key file) holds: the current one and seven older ones.
    public static let maximumKeys = 8
    /// Keys kept by `rotate`: the new current one and the one before it.
    public static let keptByRotation = 2

    private static let keyWords = keyLength / 8
    private static let sequenceWord = 0, countWord = 1, firstKeyWord = 2
    private static let totalWords = firstKeyWord + maximumKeys * keyWords

    /// Where the keys came from: made here (they rotate in memory) or read from a file (the
    /// operator rotates them).
    public enum Source: Sendable, Equatable { case random, file }
    public private(set) var source = Source.random

    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let byteCount = totalWords * 8

    /// A ring holding one random key. Call in the master before it forks.
    public init() throws {
        let raw = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { throw TLSError("cannot map the ticket keys: \(String(cString: strerror(errno)))") }
        // Anonymous pages are zero, a valid Atomic<UInt64>(0) each.
        words = raw.bindMemory(to: Atomic<UInt64>.self, capacity: Self.totalWords)
        var key = try Self.randomKey()
        defer { OPENSSL_cleanse(&key, key.count) }
        writeShared([key])
    }

    deinit { munmap(UnsafeMutableRawPointer(words), byteCount) }

    /// The keys of a key file: one or more 80-byte keys back to back, the current one first.
    public static func keys(inFile path: String) throws -> [[UInt8]] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TLSError("cannot open ticket key file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let limit = keyLength * maximumKeys
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        var total = 0
        while total < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw TLSError("cannot read ticket key file \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            total += n
        }
        guard total > 0, total % keyLength == 0, total <= limit else {
            throw TLSError("ticket key file \(path) must hold 1 to \(maximumKeys) keys of \(keyLength) bytes (openssl rand 80), not \(total) bytes")
        }
        return stride(from: 0, to: total, by: keyLength).map { Array(bytes[$0..<($0 + keyLength)]) }
    }

    /// Overwrites key material read with `keys(inFile:)` once it is no longer needed.
    public static func erase(_ keys: inout [[UInt8]]) {
        for index in keys.indices { OPENSSL_cleanse(&keys[index], keys[index].count) }
    }

    static func randomKey() throws -> [UInt8] {
        var key = [UInt8](repeating: 0, count: keyLength)
        guard RAND_bytes(&key, Int32(key.count)) == 1 else { throw TLSError("RAND_bytes failed") }
        return key
    }

    /// Replaces every key by those of a file (master only). The caller should cleanse `keys`.
    public func install(_ keys: [[UInt8]]) {
        precondition(!keys.isEmpty && keys.count <= Self.maximumKeys && keys.allSatisfy { $0.count == Self.keyLength })
        writeShared(keys)
        source = .file
    }

    /// Back to one fresh random key (master only): the configuration no longer names a file.
    public func installRandom() throws {
        var key = try Self.randomKey()
        defer { OPENSSL_cleanse(&key, key.count) }
        writeShared([key])
        source = .random
    }

    /// A new random current key; the one before stays to open its tickets, older ones are
    /// erased (master only).
    public func rotate() throws {
        var next = try Self.randomKey()
        var previous = key(at: 0)
        defer {
            OPENSSL_cleanse(&next, next.count)
            OPENSSL_cleanse(&previous, previous.count)
        }
        writeShared([next, previous].prefix(Self.keptByRotation).map { $0 })
    }

    /// The name (first 16 bytes) of each key, current first (for logs and tests: names are
    /// not secret, they travel in every ticket).
    public var names: [[UInt8]] {
        readShared { count, word in
            (0..<count).map { index in
                (0..<16).map { UInt8(truncatingIfNeeded: word(index * Self.keyWords + $0 / 8) >> (8 * UInt64($0 % 8))) }
            }
        }
    }

    // MARK: the shared words

    /// Seqlock write: odd sequence, the keys (the slots past them zeroed), even sequence.
    private func writeShared(_ keys: [[UInt8]]) {
        let sequence = words[Self.sequenceWord].load(ordering: .relaxed)
        words[Self.sequenceWord].store(sequence &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        for slot in 0..<Self.maximumKeys {
            for word in 0..<Self.keyWords {
                var value: UInt64 = 0
                if slot < keys.count {
                    for byte in 0..<8 { value |= UInt64(keys[slot][word * 8 + byte]) << (8 * UInt64(byte)) }
                }
                words[Self.firstKeyWord + slot * Self.keyWords + word].store(value, ordering: .relaxed)
            }
        }
        words[Self.countWord].store(UInt64(keys.count), ordering: .relaxed)
        words[Self.sequenceWord].store(sequence &+ 2, ordering: .releasing)
    }

    /// Seqlock read: `body` sees the key count and a word reader; it runs again if the master
    /// wrote meanwhile, so it must only compute.
    private func readShared<T>(_ body: (Int, (Int) -> UInt64) -> T) -> T {
        while true {
            let before = words[Self.sequenceWord].load(ordering: .acquiring)
            if before & 1 == 1 { continue }
            let count = min(Int(words[Self.countWord].load(ordering: .relaxed)), Self.maximumKeys)
            let result = body(count) { self.words[Self.firstKeyWord + $0].load(ordering: .relaxed) }
            atomicMemoryFence(ordering: .acquiring)
            if words[Self.sequenceWord].load(ordering: .relaxed) == before { return result }
        }
    }

    private static func bytes(of word: (Int) -> UInt64, key index: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: keyLength)
        for w in 0..<keyWords {
            let value = word(index * keyWords + w)
            for byte in 0..<8 { bytes[w * 8 + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
        }
        return bytes
    }

    private func key(at index: Int) -> [UInt8] {
        readShared { count, word in index < count ? Self.bytes(of: word, key: index) : [] }
    }

    /// For the ticket callback: the current key (`name` nil), or the key of that name and
    /// whether it is the current one, copied into `into` (80 bytes); false when there is none.
    func copyKey(named name: UnsafePointer<UInt8>?, into key: UnsafeMutablePointer<UInt8>) -> (found: Bool, isCurrent: Bool) {
        readShared { count, word in
            for index in 0..<count {
                if let name {
                    // The name is the first two words.
                    var same = true
                    for w in 0..<2 {
                        let value = word(index * Self.keyWords + w)
                        for byte in 0..<8 where name[w * 8 + byte] != UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) {
                            same = false
                        }
                    }
                    guard same else { continue }
                }
                for w in 0..<Self.keyWords {
                    let value = word(index * Self.keyWords + w)
                    for byte in 0..<8 { key[w * 8 + byte] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))) }
                }
                return (true, index == 0)
            }
            return (false, false)
        }
    }
}
