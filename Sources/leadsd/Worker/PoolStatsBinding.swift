import Metrics
import Postgres

// INTEGRATION POINT: the one place that reads the data layer's pool statistics. The worker
// samples them every second into its metrics slot.
enum PoolStatsBinding {
    /// Nil while the pool has no statistics to give.
    static func sample(_ pool: PostgresPool) -> DatabasePoolSample? {
        let stats = pool.stats
        return DatabasePoolSample(
            connectionsUp: stats.connectionsUp, connectionsConnecting: stats.connectionsConnecting,
            batchesInFlight: stats.batchesInFlight, batchesPending: stats.batchesPending,
            batchesSucceeded: stats.batchesSucceeded, serverErrors: stats.serverErrors,
            rejected: stats.rejected, timeouts: stats.timeouts,
            connectionsLost: stats.connectionsLost, connectFailures: stats.connectFailures)
    }
}
