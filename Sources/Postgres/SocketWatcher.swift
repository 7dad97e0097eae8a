import Dispatch

/// Readiness of one connected libpq socket, reported on the worker's queue.
///
/// libpq owns the descriptor and closes it in `PQfinish`; the kernel must not see it closed
/// while a DispatchSource still watches it (the number could be reused by the next socket
/// and the stale registration would swallow its events). So `cancel(then:)` reports back only
/// once both sources' cancel handlers have run, and the owner calls `PQfinish` there.
final class SocketWatcher: @unchecked Sendable {
    // @unchecked Sendable: created, used and cancelled only on `queue` (the worker's serial queue).
    let descriptor: Int32
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private var readResumed = false
    private var writeResumed = false
    private var cancelled = false
    private var cancelHandlersPending = 2
    private var afterCancel: (@Sendable () -> Void)?

    init(descriptor: Int32, queue: DispatchQueue, onReadable: @escaping @Sendable () -> Void, onWritable: @escaping @Sendable () -> Void) {
        self.descriptor = descriptor
        readSource = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        writeSource = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
        readSource.setEventHandler(handler: onReadable)
        writeSource.setEventHandler(handler: onWritable)
        let cancelled: @Sendable () -> Void = { [self] in
            cancelHandlersPending -= 1
            if cancelHandlersPending == 0 {
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

    /// Stops both sources; `then` runs on the queue when the descriptor is no longer watched.
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
