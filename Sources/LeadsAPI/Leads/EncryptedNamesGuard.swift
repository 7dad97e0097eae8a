import Dispatch
import HTTP
import Postgres

/// Whether this worker may serve leads (which carry people's and organizations' names) while
/// no app key is configured, contract §2c: not before `EncryptedNameProbe` found no name
/// column holding Laravel payloads, and no more once a payload was met.
///
///     let names = EncryptedNamesGuard(state: .unchecked, runner: pool, tablePrefix: "crm_")
///     names.onReport = { report in log(report) }
///     names.check()                      // probes now, and again each second until it answers
///     names.admit { refusal in … }        // nil: go on; else the 503 to answer
///
/// `.clear` from the start when a key is configured (every payload is then decrypted) or
/// when the master's start check already found none. While unchecked, lead requests wait for
/// the probe's answer (at most `maxWaiting` of them) and `isReady` (hence `/readyz`) is false.
/// A payload met later, in a lead about to be served, refuses too (`refuse`).
///
/// Lives on the worker's queue, like the runner it uses.
public final class EncryptedNamesGuard: @unchecked Sendable {
    // @unchecked Sendable: all state is read and written on the runner's queue only; the
    // retry timer captures the guard merely to run on that same queue.
    public enum State: Equatable {
        case clear
        case unchecked
        case checking
        /// A name column holds Laravel payloads and no key is configured.
        case refused(column: String)
    }

    public enum Report: Equatable {
        case cleared
        case refused(column: String)
        /// The probe failed (the database's message); it is tried again each second.
        case checkFailed(String)
    }

    public private(set) var state: State
    /// Told each time the state changes, and of the first probe that failed.
    public var onReport: ((Report) -> Void)?
    static let maxWaiting = 1024
    static let retryDelay = DispatchTimeInterval.seconds(1)

    private let runner: StatementRunner
    private let probe: PreparedStatement
    private let tablePrefix: String
    private var waiting: [(HTTPResponse?) -> Void] = []
    private var retryScheduled = false
    private var failureReported = false

    public init(state: State, runner: StatementRunner, tablePrefix: String) {
        self.state = state
        self.runner = runner
        self.tablePrefix = tablePrefix
        probe = EncryptedNameProbe.statement(tablePrefix: tablePrefix)
    }

    public var isReady: Bool { state == .clear }

    /// Calls `proceed(nil)` when leads may be served, at once when that is known; otherwise
    /// with the answer to give instead (503).
    public func admit(_ proceed: @escaping (HTTPResponse?) -> Void) {
        switch state {
        case .clear:
            proceed(nil)
        case .refused:
            proceed(APIResponses.unavailable())
        case .unchecked, .checking:
            guard waiting.count < Self.maxWaiting else { proceed(APIResponses.unavailable()); return }
            waiting.append(proceed)
            check()
        }
    }

    /// Sends the probe unless it is on its way or already answered.
    public func check() {
        guard state == .unchecked else { return }
        state = .checking
        runner.run(QueryBatch([Query(probe)], isReadOnly: true)) { [self] result in
            let results: [QueryResult]
            switch result {
            case .failure(let error):
                failed(error.message, answer: APIResponses.databaseFailure(error))
                return
            case .success(let answered):
                results = answered
            }
            guard let found = results.first.flatMap(EncryptedNameProbe.encryptedColumn(in:)) else {
                failed("the probe's result has an unexpected shape", answer: APIResponses.serverError())
                return
            }
            if let column = found {
                refuse(column)
            } else {
                state = .clear
                onReport?(.cleared)
                release(nil)
            }
        }
    }

    /// A payload is in a name column and this worker has no key: no lead is served any more.
    func refuse(_ column: StoredNames.Column) {
        if case .refused = state { return }
        let name = column.qualified(tablePrefix: tablePrefix)
        state = .refused(column: name)
        onReport?(.refused(column: name))
        release(APIResponses.unavailable())
    }

    private func failed(_ message: String, answer: HTTPResponse) {
        state = .unchecked
        if !failureReported {
            failureReported = true
            onReport?(.checkFailed(message))
        }
        release(answer)
        guard !retryScheduled else { return }
        retryScheduled = true
        runner.queue.asyncAfter(deadline: .now() + Self.retryDelay) { [weak self] in
            guard let self else { return }
            self.retryScheduled = false
            self.check()
        }
    }

    private func release(_ answer: HTTPResponse?) {
        let released = waiting
        waiting = []
        for proceed in released { proceed(answer) }
    }
}
