import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Readiness of one connected libpq socket, reported on the worker's queue.
///
/// A descriptor must not be closed while a DispatchSource still watches it: the number is
/// reused by the next socket (typically the reconnect's) and the stale registration swallows
/// its events. libpq closes its socket on its own whenever it notices a broken connection,
/// so the sources watch a duplicate that this type owns and closes only after both cancel
/// handlers ran. libpq's descriptor number may then be reused freely.
final class SocketWatcher: @unchecked Sendable {
    // @unchecked Sendable: created, used and cancelled only on `queue` (the worker's serial queue).
    /// Our duplicate of libpq's socket; closed in the last cancel handler.
    let descriptor: Int32
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private var readResumed = false
    private var writeResumed = false
    private var cancelled = false
    private var cancelHandlersPending = 2
    private var afterCancel: (@Sendable () -> Void)?

    /// nil when the descriptor cannot be duplicated (out of descriptors).
    init?(libpqSocket: Int32, queue: DispatchQueue, onReadable: @escaping @Sendable () -> Void, onWritable: @escaping @Sendable () -> Void) {
        let descriptor = fcntl(libpqSocket, F_DUPFD_CLOEXEC, 0)
        guard libpqSocket >= 0, descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        readSource = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        writeSource = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
        readSource.setEventHandler(handler: onReadable)
        writeSource.setEventHandler(handler: onWritable)
        let cancelled: @Sendable () -> Void = { [self] in
            cancelHandlersPending -= 1
            if cancelHandlersPending == 0 {
                close(descriptor)
                let after = afterCancel
                afterCancel = nil
                after?()
            }
        }
        readSource.setCancelHandler(handler: cancelled)
        writeSource.setCancelHandler(handler: cancelled)
    }

    /// Which readiness events to deliver. Writability is only wanted while libpq has unsent
    /// output (PQflush returned 1); watching it otherwise would fire continuously.
    func watch(read: Bool, write: Bool) {
        guard !cancelled else { return }
        if read != readResumed {
            if read { readSource.resume() } else { readSource.suspend() }
            readResumed = read
        }
        if write != writeResumed {
            if write { writeSource.resume() } else { writeSource.suspend() }
            writeResumed = write
        }
    }

    /// Stops both sources; `then` runs on the queue once they are gone and the duplicate closed.
    func cancel(then: @escaping @Sendable () -> Void) {
        guard !cancelled else { return }
        cancelled = true
        afterCancel = then
        // A suspended source never runs its cancel handler (and must not be released
        // suspended), so resume it after cancelling: cancelled sources deliver no events.
        readSource.cancel()
        writeSource.cancel()
        if !readResumed { readSource.resume(); readResumed = true }
        if !writeResumed { writeSource.resume(); writeResumed = true }
    }
}
