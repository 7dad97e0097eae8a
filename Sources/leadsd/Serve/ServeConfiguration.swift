#if canImport(Glibc)
import Glibc
#endif
import LeadsAPI
import Postgres

/// Everything `serve` needs, checked. Built in the master at start and again on SIGHUP;
/// workers receive it through fork.
struct ServeConfiguration: Sendable {
    var listen: ListenAddress
    /// Nil when the metrics listener is off.
    var metricsListen: ListenAddress?
    var workers: Int
    var tls: TLSFiles?
    var proxyProtocol: Bool
    var trustedProxies: [String]
    var limits: ServerLimits
    var shutdownTimeoutSeconds: Int
    var backlog: Int
    var envFile: String?
    var api: APIConfiguration
    var database: PostgresConfiguration

    struct TLSFiles: Sendable, Equatable {
        var certificatePath: String
        var keyPath: String
        var ticketKeyPath: String?
        /// Seconds between rotations of in-memory ticket keys (no key file).
        var ticketKeyRotationSeconds = 12 * 3600
    }

    /// Limits and timeouts of the HTTP server (handed to the HTTP layer's configuration).
    struct ServerLimits: Sendable {
        var maxRequestLineBytes: Int
        var maxHeaderBytes: Int
        var maxHeaderCount: Int
        var maxBodyBytes: Int
        var maxConnections: Int
        var handshakeTimeoutSeconds: Int
        var headerTimeoutSeconds: Int
        var bodyTimeoutSeconds: Int
        var idleTimeoutSeconds: Int
    }

    /// Parses `serve`'s arguments over the settings layers (credentials, environment, the
    /// `env` credential, `--env-file`) and checks every value. Called at start and on SIGHUP.
    static func load(arguments: [String]) throws -> ServeConfiguration {
        try SettingsLayers.apply(envFile: nil)
        var options = try ServeOptions.parse(arguments)
        if !options.envFile.isEmpty {
            try SettingsLayers.apply(envFile: options.envFile)
            // Parse again so that the file's values reach the flags' environment fallbacks.
            options = try ServeOptions.parse(arguments)
        }
        return try ServeConfiguration(options: options, environment: { name in
            getenv(name).map { String(cString: $0) }
        })
    }

    init(options: ServeOptions, environment: (String) -> String?) throws(ConfigurationError) {
        func number(_ value: Int, _ flag: String, _ variable: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            if value == Int.min { throw ConfigurationError("\(variable): not a whole number") }
            guard range.contains(value) else {
                throw ConfigurationError("--\(flag) (\(variable)): \(value) is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return value
        }

        guard let url = environment("DATABASE_URL"), !url.isEmpty else {
            throw ConfigurationError("DATABASE_URL is not set (a libpq connection string, e.g. postgresql://leadsd@db.internal/crm)")
        }
        do { listen = try ListenAddress(parsing: options.listen) } catch {
            throw ConfigurationError("--listen (LEADSD_LISTEN): \(error.description)")
        }
        let metricsText = options.metricsListen.lowercased()
        if metricsText == "off" || metricsText.isEmpty {
            metricsListen = nil
        } else {
            do { metricsListen = try ListenAddress(parsing: options.metricsListen) } catch {
                throw ConfigurationError("--metrics-listen (LEADSD_METRICS_LISTEN): \(error.description)")
            }
            if metricsListen == listen, listen.port != 0 { throw ConfigurationError("--metrics-listen must differ from --listen") }
        }

        var workerCount = try number(options.workers, "workers", "LEADSD_WORKERS", 0...1024)
        if workerCount == 0 { workerCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
        workers = workerCount

        let ticketKey = options.tlsTicketKey.isEmpty ? nil : options.tlsTicketKey
        let rotation = try number(options.tlsTicketKeyRotation, "tls-ticket-key-rotation", "LEADSD_TLS_TICKET_KEY_ROTATION", 1...(7 * 86_400))
        switch (options.tlsCert.isEmpty ? nil : options.tlsCert, options.tlsKey.isEmpty ? nil : options.tlsKey, options.plainHTTP) {
        case (nil, nil, true):
            tls = nil
        case (_, _, true):
            throw ConfigurationError("--plain-http and --tls-cert/--tls-key exclude each other")
        case (let cert?, let key?, false):
            tls = TLSFiles(certificatePath: cert, keyPath: key, ticketKeyPath: ticketKey, ticketKeyRotationSeconds: rotation)
        case (nil, nil, false):
            throw ConfigurationError("--tls-cert and --tls-key are required (or --plain-http behind a TLS-terminating balancer)")
        default:
            throw ConfigurationError("--tls-cert and --tls-key go together")
        }
        if tls == nil, ticketKey != nil { throw ConfigurationError("--tls-ticket-key needs --tls-cert and --tls-key") }
        if let tls, !options.allowReadableKey {
            try KeyFilePermissions.check(tls.keyPath, flag: "--tls-key")
            if let ticketKeyPath = tls.ticketKeyPath { try KeyFilePermissions.check(ticketKeyPath, flag: "--tls-ticket-key") }
        }

        proxyProtocol = options.proxyProtocol
        trustedProxies = try options.trustedProxies.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }.map {
            (cidr: String) throws(ConfigurationError) -> String in
            guard Self.isCIDR(cidr) else { throw ConfigurationError("--trusted-proxies (LEADSD_TRUSTED_PROXIES): '\(cidr)' is not an address or CIDR") }
            return cidr
        }
        if proxyProtocol, trustedProxies.isEmpty {
            throw ConfigurationError("--proxy-protocol needs --trusted-proxies (whose PROXY header is believed)")
        }

        limits = ServerLimits(
            maxRequestLineBytes: try number(options.maxRequestLineBytes, "max-request-line-bytes", "LEADSD_MAX_REQUEST_LINE_BYTES", 256...(1 << 20)),
            maxHeaderBytes: try number(options.maxHeaderBytes, "max-header-bytes", "LEADSD_MAX_HEADER_BYTES", 1024...(1 << 24)),
            maxHeaderCount: try number(options.maxHeaderCount, "max-header-count", "LEADSD_MAX_HEADER_COUNT", 8...10_000),
            maxBodyBytes: try number(options.maxBodyBytes, "max-body-bytes", "LEADSD_MAX_BODY_BYTES", 0...(1 << 30)),
            maxConnections: try number(options.maxConnections, "max-connections", "LEADSD_MAX_CONNECTIONS", 1...1_000_000),
            handshakeTimeoutSeconds: try number(options.handshakeTimeout, "handshake-timeout", "LEADSD_HANDSHAKE_TIMEOUT", 1...3600),
            headerTimeoutSeconds: try number(options.headerTimeout, "header-timeout", "LEADSD_HEADER_TIMEOUT", 1...3600),
            bodyTimeoutSeconds: try number(options.bodyTimeout, "body-timeout", "LEADSD_BODY_TIMEOUT", 1...3600),
            idleTimeoutSeconds: try number(options.idleTimeout, "idle-timeout", "LEADSD_IDLE_TIMEOUT", 1...86_400)
        )
        shutdownTimeoutSeconds = try number(options.shutdownTimeout, "shutdown-timeout", "LEADSD_SHUTDOWN_TIMEOUT", 0...3600)
        backlog = try number(options.backlog, "backlog", "LEADSD_BACKLOG", 1...65_535)
        envFile = options.envFile.isEmpty ? nil : options.envFile

        let prefix = options.routePrefix
        guard !prefix.isEmpty, prefix.utf8.allSatisfy({ Self.isSegmentByte($0) }) else {
            throw ConfigurationError("--route-prefix (LEADSD_ROUTE_PREFIX): '\(prefix)' must be one path segment of letters, digits, '-', '_' or '.'")
        }
        // Refused rather than ignored: an operator who turns teams mode on relies on X-Team-ID
        // scoping, and serving every team's leads instead would be a silent data leak.
        if options.teams {
            throw ConfigurationError("--teams (LEADSD_TEAMS): teams mode (X-Team-ID) is not available in this version")
        }
        let appKeys = try Self.appKeys(file: options.appKeyFile, allowReadableFile: options.allowReadableKey, environment: environment)
        let expiration = try number(options.tokenExpiration, "token-expiration", "LEADSD_TOKEN_EXPIRATION", 0...(100 * 365 * 24 * 60))
        api = APIConfiguration(
            routePrefix: prefix,
            rateLimit: try number(options.rateLimit, "rate-limit", "LEADSD_RATE_LIMIT", 1...1_000_000),
            guestRateLimit: try number(options.guestRateLimit, "guest-rate-limit", "LEADSD_GUEST_RATE_LIMIT", 1...1_000_000),
            loginRateLimit: try number(options.loginRateLimit, "login-rate-limit", "LEADSD_LOGIN_RATE_LIMIT", 1...1_000_000),
            tokenExpirationMinutes: expiration == 0 ? nil : expiration,
            userModel: options.userModel,
            maxBodyBytes: limits.maxBodyBytes,
            tablePrefix: options.tablePrefix,
            teamsEnabled: options.teams,
            appKeys: appKeys
        )
        if let problem = LeadStatements.prefixProblem(options.tablePrefix) {
            throw ConfigurationError("--table-prefix (LEADSD_TABLE_PREFIX): \(problem)")
        }

        let statementTimeout = try number(options.dbStatementTimeout, "db-statement-timeout", "LEADSD_DB_STATEMENT_TIMEOUT", 1...3600)
        database = PostgresConfiguration(
            connectionString: url,
            poolSize: try number(options.dbPoolSize, "db-pool-size", "LEADSD_DB_POOL_SIZE", 1...256),
            burstSize: try number(options.dbPoolBurst, "db-pool-burst", "LEADSD_DB_POOL_BURST", 0...256),
            statementTimeoutMilliseconds: statementTimeout * 1_000,
            // Later than the server's own cancel, which answers the request and leaves the
            // connection usable; the pool's deadline is for a server or network that went silent.
            requestDeadlineMilliseconds: (statementTimeout + 5) * 1_000
        )
    }

    /// `APP_KEY` and `APP_PREVIOUS_KEYS` (Laravel's own variables, so that an install can share
    /// them with Laravel's .env), or `--app-key-file` (also the `app-key` credential); nil when
    /// no key is configured.
    static func appKeys(file: String, allowReadableFile: Bool, environment: (String) -> String?) throws(ConfigurationError) -> LaravelKeys? {
        let key = environment("APP_KEY").flatMap { $0.isEmpty ? nil : $0 }
        let previous = environment("APP_PREVIOUS_KEYS").flatMap { LaravelKeys.previousKeys($0).isEmpty ? nil : $0 }
        let keys: [String]
        let source: String
        if file.isEmpty {
            guard let key else {
                if previous == nil { return nil }
                throw ConfigurationError("APP_PREVIOUS_KEYS is set but APP_KEY is not")
            }
            (keys, source) = ([key], "APP_KEY")
        } else {
            // Two places for one secret: which one is meant is not guessed.
            if key != nil {
                throw ConfigurationError("APP_KEY and --app-key-file \(file) (LEADSD_APP_KEY_FILE, or the app-key credential) exclude each other: give the key in one place")
            }
            (keys, source) = (try AppKeyFile.read(path: file, allowReadable: allowReadableFile), "--app-key-file \(file)")
            if keys.count > 1, previous != nil {
                throw ConfigurationError("\(source) holds previous keys and APP_PREVIOUS_KEYS is set too: give them in one place")
            }
        }
        do { return try LaravelKeys(keys: keys, source: source, previousKeys: previous) } catch {
            throw ConfigurationError(error.description)
        }
    }

    private static func isSegmentByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || ((byte | 0x20) >= 97 && (byte | 0x20) <= 122)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        let address = String(parts[0])
        let maximum: Int
        if ListenAddress.isIPv4(address) { maximum = 32 } else if ListenAddress.isIPv6(address) { maximum = 128 } else { return false }
        guard parts.count == 2 else { return true }
        guard let bits = Int(parts[1]), (0...maximum).contains(bits) else { return false }
        return true
    }
}
