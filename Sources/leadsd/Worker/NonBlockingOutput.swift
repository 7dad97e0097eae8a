#if canImport(Glibc)
import Glibc
#endif

/// The worker's stdout, written without ever waiting for the reader.
///
/// A blocking write to a full stdout (journald stalled, a pipe nobody reads) would freeze the
/// worker's queue and with it every connection of the worker. O_NONBLOCK cannot simply be set
/// on fd 1: the flag belongs to the open file description, which the master, the other
/// workers and maybe the shell share. So, by what stdout is:
/// - a socket (journald's stream): `send` with MSG_DONTWAIT, a per-call flag;
/// - a pipe, FIFO or terminal: a descriptor of its own, opened through /proc/self/fd/1 with
///   O_NONBLOCK (a new open file description of the same pipe or device);
/// - a regular file, or anything that cannot be reopened: fd 1 as it is, written only when
///   poll(2) says it takes data (a file always does).
///
///     let output = NonBlockingOutput.standardOutput()
///     switch output.write(bytes) { case .wrote(let n): …; case .full: retry later; case .closed: give up }
struct NonBlockingOutput {
    enum Outcome: Equatable {
        /// This many bytes (more than zero) went out.
        case wrote(Int)
        /// Nothing fits now; try again later.
        case full
        /// The reader is gone or the descriptor failed: nothing will ever go out.
        case closed
    }

    private enum Route {
        case socket
        case ownDescriptor(Int32)
        case polledDescriptor
    }

    private let route: Route
    private let descriptor: Int32

    static func standardOutput() -> NonBlockingOutput {
        var status = stat()
        guard fstat(STDOUT_FILENO, &status) == 0 else { return NonBlockingOutput(route: .polledDescriptor, descriptor: STDOUT_FILENO) }
        switch status.st_mode & S_IFMT {
        case S_IFSOCK:
            return NonBlockingOutput(route: .socket, descriptor: STDOUT_FILENO)
        case S_IFIFO, S_IFCHR:
            let own = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if own >= 0 { return NonBlockingOutput(route: .ownDescriptor(own), descriptor: own) }
            return NonBlockingOutput(route: .polledDescriptor, descriptor: STDOUT_FILENO)
        default:
            return NonBlockingOutput(route: .polledDescriptor, descriptor: STDOUT_FILENO)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return .wrote(0) }
        while true {
            let count: Int
            switch route {
            case .socket:
                count = send(descriptor, base, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            case .ownDescriptor:
                count = Glibc.write(descriptor, base, bytes.count)
            case .polledDescriptor:
                var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                let ready = poll(&request, 1, 0)
                if ready < 0, errno == EINTR { continue }
                if ready == 0 { return .full }
                if request.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return .closed }
                count = Glibc.write(descriptor, base, bytes.count)
            }
            if count > 0 { return .wrote(count) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .full }
            return .closed
        }
    }
}
