/// What a connection expects back for one Sync-terminated group of queries it sent.
///
/// libpq reports, in order, for each query its result(s) then a NULL, and for the Sync a
/// `PGRES_PIPELINE_SYNC` result. After an error the remaining queries of the segment come
/// back as `PGRES_PIPELINE_ABORTED`; a failure at commit time arrives as an error result
/// after the last query's NULL and before the Sync. The segment is answered only at its Sync,
/// that is after PostgreSQL committed (or rolled back) the implicit transaction.
final class PipelineSegment {
    /// nil for the connection's own setup segment (session settings and PREPAREs).
    let request: BatchRequest?
    let queryCount: Int
    let sentAt: UInt64
    /// Queries whose results are complete (their NULL was read).
    var answeredQueries = 0
    var results: [QueryResult] = []
    /// The first error of the segment; PostgreSQL rolled the segment back.
    var error: PostgresError?
    /// The caller was already answered with `.timeout`; the results are still read and dropped.
    var timedOut = false

    init(request: BatchRequest?, queryCount: Int, sentAt: UInt64) {
        self.request = request
        self.queryCount = queryCount
        self.sentAt = sentAt
        results.reserveCapacity(queryCount)
    }

    var result: Result<[QueryResult], PostgresError> {
        if let error { return .failure(error) }
        return .success(results)
    }
}
