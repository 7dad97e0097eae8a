import HTTP
import Metrics

/// `GET /metrics` on the metrics listener: the whole region, summed over the workers.
final class MetricsResponder: HTTPResponder {
    private let region: MetricsRegion

    init(region: MetricsRegion) { self.region = region }

    var isReady: Bool { true }

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        guard request.path == "/metrics" else {
            respond(.message(404, "Not Found."))
            return
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.message(405, "The \(request.method) method is not supported for route metrics. Supported methods: GET, HEAD.", route: "/metrics")
            response.headers.add("Allow", "GET, HEAD")
            respond(response)
            return
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", PrometheusRenderer.contentType)
        respond(HTTPResponse(status: 200, headers: headers, body: Array(PrometheusRenderer.render(region, buildInfo: [("version", BuildInfo.version), ("commit", BuildInfo.commit)]).utf8), route: "/metrics"))
    }
}
