import Metrics

/// Counts a 429 in the worker's metrics (`leadsd_rate_limit_rejections_total{limit="…"}`);
/// a no-op where no recorder is installed (the API driven in process by tests).
enum RateLimitRejections {
    static func record(_ kind: RateLimitKind) {
        WorkerMetrics.current?.recordRateLimitRejection(kind)
    }
}
