#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Counters shared by the master and its workers: one anonymous shared mapping made by the
/// master before it forks, so every worker inherits the same physical pages.
///
/// Each slot is written by one worker only (the master gives a slot to one live worker at a
/// time), the header by the master only; anybody may read anything to render `/metrics`.
/// Words are `Atomic<UInt64>` with relaxed ordering: a reader in another process may see a
/// counter a moment late, never torn.
public final class MetricsRegion: @unchecked Sendable {
    // Sendable: the memory is only touched through atomics; `base` and `slotCount` never change.
    let base: UnsafeMutablePointer<Atomic<UInt64>>
    public let slotCount: Int
    private let byteCount: Int

    public enum MappingError: Error, CustomStringConvertible {
        case mmapFailed(errno: Int32)
        public var description: String {
            switch self {
            case .mmapFailed(let code): "cannot map the metrics region: \(String(cString: strerror(code)))"
            }
        }
    }

    /// Maps a zeroed region with room for `slots` workers. Call in the master, before fork.
    public init(slots: Int) throws {
        precondition(slots > 0)
        let words = MetricsLayout.totalWords(slots: slots)
        byteCount = words * 8
        let raw = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
        guard let raw, raw != MAP_FAILED else { throw MappingError.mmapFailed(errno: errno) }
        base = raw.bindMemory(to: Atomic<UInt64>.self, capacity: words)
        // Anonymous pages are zero, which is a valid Atomic<UInt64>(0); write the header only.
        slotCount = slots
        base[MetricsLayout.headerMagic].store(MetricsLayout.magic, ordering: .relaxed)
        base[MetricsLayout.headerSlotCount].store(UInt64(slots), ordering: .relaxed)
        // Fixed columns: the overflow label is column 0, so a full table always has a home.
        _ = routeIndex(MetricsLayout.overflowRoute)
        _ = routeIndex(MetricsLayout.unmatchedRoute)
    }

    deinit { munmap(UnsafeMutableRawPointer(base), byteCount) }

    func word(_ index: Int) -> UInt64 { base[index].load(ordering: .relaxed) }

    // MARK: master-written header

    public func recordWorkerRestart() {
        base[MetricsLayout.headerWorkerRestarts].wrappingAdd(1, ordering: .relaxed)
    }

    public func recordReload() {
        base[MetricsLayout.headerReloads].wrappingAdd(1, ordering: .relaxed)
    }

    public func setLiveWorkers(_ count: Int) {
        base[MetricsLayout.headerLiveWorkers].store(UInt64(max(count, 0)), ordering: .relaxed)
    }

    public var workerRestarts: UInt64 { word(MetricsLayout.headerWorkerRestarts) }

    /// A worker died: its gauges no longer describe anything. Its counters stay, so that the
    /// totals never go down; the next worker given this slot keeps adding to them.
    public func resetGauges(slot: Int) {
        let offset = MetricsLayout.slotOffset(slot)
        for gauge in [MetricsLayout.slotOpenConnections] + MetricsLayout.databaseGauges {
            base[offset + gauge].store(0, ordering: .relaxed)
        }
    }

    // MARK: the shared route table

    /// The column of a route name, registering it when new. Any process may call this at any
    /// time; two processes racing on the same new name may take two entries, which the
    /// renderer merges by name. Nil when the table is full.
    public func routeIndex(_ name: String) -> Int? {
        let bytes = Self.truncated(name)
        for index in 0..<MetricsLayout.maxRoutes {
            let entry = MetricsLayout.routeTableOffset + index * MetricsLayout.routeEntryWords
            var state = base[entry].load(ordering: .acquiring)
            if state == 0 {
                let (claimed, current) = base[entry].compareExchange(expected: 0, desired: 1, ordering: .acquiring)
                if claimed {
                    writeName(bytes, at: entry)
                    base[entry].store(2, ordering: .releasing)
                    return index
                }
                state = current
            }
            // Another process is writing this entry right now: it may well be our name, but
            // waiting would block; take the next entry (the renderer merges duplicates).
            if state == 2, readName(at: entry) == bytes { return index }
        }
        return nil
    }

    /// Registered route names by column (nil where free or being written).
    public func routeNames() -> [String?] {
        (0..<MetricsLayout.maxRoutes).map { index in
            let entry = MetricsLayout.routeTableOffset + index * MetricsLayout.routeEntryWords
            guard base[entry].load(ordering: .acquiring) == 2 else { return nil }
            return String(decoding: readName(at: entry), as: UTF8.self)
        }
    }

    private func writeName(_ bytes: [UInt8], at entry: Int) {
        base[entry + 1].store(UInt64(bytes.count), ordering: .relaxed)
        for word in 0..<(MetricsLayout.routeNameBytes / 8) {
            var value: UInt64 = 0
            for byte in 0..<8 {
                let position = word * 8 + byte
                if position < bytes.count { value |= UInt64(bytes[position]) << (8 * UInt64(byte)) }
            }
            base[entry + 2 + word].store(value, ordering: .relaxed)
        }
    }

    private func readName(at entry: Int) -> [UInt8] {
        let count = min(Int(base[entry + 1].load(ordering: .relaxed)), MetricsLayout.routeNameBytes)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for position in 0..<count {
            let value = base[entry + 2 + position / 8].load(ordering: .relaxed)
            bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(position % 8))))
        }
        return bytes
    }

    static func truncated(_ name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in name.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if bytes.count + encoded.count > MetricsLayout.routeNameBytes { break }
            bytes.append(contentsOf: encoded)
        }
        return bytes
    }

    // MARK: slots

    /// The recorder of one slot; give each live worker its own.
    public func slot(_ index: Int) -> WorkerMetrics {
        precondition(index >= 0 && index < slotCount)
        return WorkerMetrics(region: self, slot: index)
    }
}
