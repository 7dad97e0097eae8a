/// What the server hands each complete request to.
///
/// Called on the worker's serial queue; the responder calls `respond` exactly once, on that
/// same queue, possibly later (after a database round trip). Responses to pipelined requests
/// are written in request order by the server whatever order they complete in.
public protocol HTTPResponder: AnyObject {
    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void)

    /// False while the application cannot serve (database down); `/readyz` answers 503 then.
    var isReady: Bool { get }
}
