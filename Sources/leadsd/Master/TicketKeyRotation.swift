import TLS

/// When the master rotates in-memory session-ticket keys: every `--tls-ticket-key-rotation`
/// seconds (12 h by default) while TLS is on and no key file is configured (the operator
/// rotates a file's keys, see README). Each rotation makes a new current key and keeps the
/// previous one to open its tickets; the one before that is erased.
struct TicketKeyRotation {
    let ring: TicketKeyRing
    private var lastRotation: UInt64

    init(ring: TicketKeyRing, now: UInt64) {
        self.ring = ring
        lastRotation = now
    }

    /// The next rotation's monotonic time, nil when keys do not rotate in memory.
    func deadline(_ tls: LoadedTLSContext?) -> UInt64? {
        guard let tls, ring.source == .random else { return nil }
        return lastRotation + UInt64(tls.files.ticketKeyRotationSeconds) * 1_000_000_000
    }

    mutating func rotateIfDue(_ tls: LoadedTLSContext?, now: UInt64) {
        guard let deadline = deadline(tls), now >= deadline else { return }
        lastRotation = now
        do {
            try ring.rotate()
            MasterLog.info("ticket_keys_rotated", [("keys", String(ring.names.count))])
        } catch {
            MasterLog.error("ticket_key_rotation_failed", [("error", "\(error)")])
        }
    }

    /// A (re)loaded context's keys go into the ring; keys that were a file's and are random
    /// now start a new interval.
    mutating func adopt(_ tls: LoadedTLSContext?, now: UInt64) throws {
        guard let tls else { return }
        let before = ring.source
        try tls.adoptTicketKeys()
        if before == .file, ring.source == .random { lastRotation = now }
    }
}
