/// The Prometheus text exposition format (version 0.0.4) of a region, summed over its slots.
public enum PrometheusRenderer {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// `buildInfo`: the labels of `leadsd_build_info` (e.g. version and commit), always 1;
    /// nothing when empty.
    public static func render(_ region: MetricsRegion, buildInfo: [(name: String, value: String)] = []) -> String {
        let names = region.routeNames()
        let slots = 0..<region.slotCount
        func sum(_ word: Int) -> UInt64 {
            slots.reduce(0) { $0 &+ region.word(MetricsLayout.slotOffset($1) + word) }
        }
        // Columns with the same name (a registration race) are merged; order by first column.
        var routeOrder: [String] = []
        var columnsByRoute: [String: [Int]] = [:]
        for (column, name) in names.enumerated() {
            guard let name else { continue }
            if columnsByRoute[name] == nil { routeOrder.append(name) }
            columnsByRoute[name, default: []].append(column)
        }

        var out = ""
        if !buildInfo.isEmpty {
            header(&out, "leadsd_build_info", "gauge", "The running binary's version and git commit (always 1).")
            out += "leadsd_build_info{" + buildInfo.map { "\($0.name)=\"\(escape($0.value))\"" }.joined(separator: ",") + "} 1\n"
        }
        header(&out, "leadsd_http_requests_total", "counter", "HTTP requests answered, by route pattern and status.")
        for route in routeOrder {
            for (statusColumn, label) in MetricsLayout.statusLabels.enumerated() {
                let count = columnsByRoute[route, default: []].reduce(UInt64(0)) {
                    $0 &+ sum(MetricsLayout.slotRequestsOffset + $1 * MetricsLayout.statusColumns + statusColumn)
                }
                if count > 0 { out += "leadsd_http_requests_total{route=\"\(escape(route))\",status=\"\(label)\"} \(count)\n" }
            }
        }

        header(&out, "leadsd_http_request_duration_seconds", "histogram", "Time from the complete request to the response handed to the socket.")
        for route in routeOrder {
            let columns = columnsByRoute[route, default: []]
            func histogramWord(_ index: Int) -> UInt64 {
                columns.reduce(UInt64(0)) {
                    $0 &+ sum(MetricsLayout.slotHistogramOffset + $1 * MetricsLayout.histogramWordsPerRoute + index)
                }
            }
            let count = histogramWord(MetricsLayout.bucketColumns + 1)
            guard count > 0 else { continue }
            let label = "route=\"\(escape(route))\""
            var cumulative: UInt64 = 0
            for (bucket, bound) in MetricsLayout.latencyBucketsMicroseconds.enumerated() {
                cumulative &+= histogramWord(bucket)
                out += "leadsd_http_request_duration_seconds_bucket{\(label),le=\"\(seconds(bound))\"} \(cumulative)\n"
            }
            cumulative &+= histogramWord(MetricsLayout.latencyBucketsMicroseconds.count)
            out += "leadsd_http_request_duration_seconds_bucket{\(label),le=\"+Inf\"} \(cumulative)\n"
            out += "leadsd_http_request_duration_seconds_sum{\(label)} \(seconds(histogramWord(MetricsLayout.bucketColumns)))\n"
            out += "leadsd_http_request_duration_seconds_count{\(label)} \(count)\n"
        }

        header(&out, "leadsd_http_open_connections", "gauge", "Client connections open now.")
        out += "leadsd_http_open_connections \(Int64(bitPattern: sum(MetricsLayout.slotOpenConnections)))\n"
        header(&out, "leadsd_http_connections_total", "counter", "Client connections accepted.")
        out += "leadsd_http_connections_total \(sum(MetricsLayout.slotConnectionsAccepted))\n"
        header(&out, "leadsd_tls_handshake_failures_total", "counter", "TLS handshakes that failed or timed out.")
        out += "leadsd_tls_handshake_failures_total \(sum(MetricsLayout.slotTLSHandshakeFailures))\n"
        header(&out, "leadsd_worker_restarts_total", "counter", "Workers started again after one died.")
        out += "leadsd_worker_restarts_total \(region.word(MetricsLayout.headerWorkerRestarts))\n"
        header(&out, "leadsd_workers", "gauge", "Worker processes alive.")
        out += "leadsd_workers \(region.word(MetricsLayout.headerLiveWorkers))\n"
        header(&out, "leadsd_reloads_total", "counter", "Configuration reloads (SIGHUP) completed.")
        out += "leadsd_reloads_total \(region.word(MetricsLayout.headerReloads))\n"
        header(&out, "leadsd_db_connections", "gauge", "PostgreSQL connections of all workers, by state.")
        out += "leadsd_db_connections{state=\"up\"} \(sum(MetricsLayout.slotDatabaseConnectionsUp))\n"
        out += "leadsd_db_connections{state=\"connecting\"} \(sum(MetricsLayout.slotDatabaseConnectionsConnecting))\n"
        header(&out, "leadsd_db_batches", "gauge", "Query batches sent and not answered (in_flight), or waiting for a connection (pending).")
        out += "leadsd_db_batches{state=\"in_flight\"} \(sum(MetricsLayout.slotDatabaseBatchesInFlight))\n"
        out += "leadsd_db_batches{state=\"pending\"} \(sum(MetricsLayout.slotDatabaseBatchesPending))\n"
        let counters = MetricsLayout.slotDatabaseCounters
        header(&out, "leadsd_db_batches_total", "counter", "Query batches answered, by result.")
        for (index, result) in ["ok", "server_error", "rejected", "timeout"].enumerated() {
            out += "leadsd_db_batches_total{result=\"\(result)\"} \(sum(counters + index))\n"
        }
        header(&out, "leadsd_db_connections_lost_total", "counter", "Ready PostgreSQL connections that broke.")
        out += "leadsd_db_connections_lost_total \(sum(counters + 4))\n"
        header(&out, "leadsd_db_connect_failures_total", "counter", "PostgreSQL connection attempts that failed.")
        out += "leadsd_db_connect_failures_total \(sum(counters + 5))\n"
        header(&out, "leadsd_access_log_dropped_lines_total", "counter", "Access log lines dropped because stdout took nothing (a stalled reader).")
        out += "leadsd_access_log_dropped_lines_total \(sum(MetricsLayout.slotAccessLogDroppedLines))\n"
        header(&out, "leadsd_rate_limit_rejections_total", "counter", "Requests answered 429, by limit.")
        for kind in RateLimitKind.allCases {
            out += "leadsd_rate_limit_rejections_total{limit=\"\(kind.label)\"} \(sum(MetricsLayout.slotRateLimitRejections + kind.rawValue))\n"
        }
        return out
    }

    private static func header(_ out: inout String, _ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        var result = ""
        for character in value.unicodeScalars {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// Microseconds as decimal seconds without floating-point noise (`0.0025`, `1`, `12.5`).
    static func seconds(_ microseconds: UInt64) -> String {
        let whole = microseconds / 1_000_000
        var fraction = microseconds % 1_000_000
        guard fraction > 0 else { return String(whole) }
        var digits = 6
        while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
