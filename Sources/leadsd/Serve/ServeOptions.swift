import ArgumentParser

/// The `serve` flags. Each falls back to an environment variable (systemd `EnvironmentFile=`)
/// and then to a default (an on/off flag has its `--no-` form, so that the variable may turn
/// it on and the command line off again); `ServeConfiguration` checks the values and turns them into types.
struct ServeOptions: ParsableArguments {
    @Option(help: "Address to listen on, HOST:PORT or [IPv6]:PORT (LEADSD_LISTEN).")
    var listen: String = EnvironmentDefault.string("LEADSD_LISTEN", "127.0.0.1:8443")

    @Option(help: "Worker processes; 0 = one per CPU (LEADSD_WORKERS).")
    var workers: Int = EnvironmentDefault.int("LEADSD_WORKERS", 0)

    @Option(name: .customLong("tls-cert"), help: "Certificate chain, PEM (LEADSD_TLS_CERT).")
    var tlsCert: String = EnvironmentDefault.string("LEADSD_TLS_CERT", "")

    @Option(name: .customLong("tls-key"), help: "Private key, PEM (LEADSD_TLS_KEY).")
    var tlsKey: String = EnvironmentDefault.string("LEADSD_TLS_KEY", "")

    @Option(name: .customLong("tls-ticket-key"), help: "Session ticket key file shared by the hosts: 80-byte keys, the current one first, then older decrypt-only ones; re-read on SIGHUP (LEADSD_TLS_TICKET_KEY).")
    var tlsTicketKey: String = EnvironmentDefault.string("LEADSD_TLS_TICKET_KEY", "")

    @Option(name: .customLong("tls-ticket-key-rotation"), help: "Seconds between rotations of the in-memory session ticket keys, when no key file is given (LEADSD_TLS_TICKET_KEY_ROTATION).")
    var tlsTicketKeyRotation: Int = EnvironmentDefault.int("LEADSD_TLS_TICKET_KEY_ROTATION", 12 * 3600)

    @Flag(name: .customLong("allow-readable-key"), inversion: .prefixedNo, help: "Accept key files (--tls-key, --tls-ticket-key, --app-key-file) that group or others may read (LEADSD_ALLOW_READABLE_KEY).")
    var allowReadableKey: Bool = EnvironmentDefault.bool("LEADSD_ALLOW_READABLE_KEY", false)

    @Flag(name: .customLong("plain-http"), inversion: .prefixedNo, help: "Serve plain HTTP, behind a TLS-terminating balancer (LEADSD_PLAIN_HTTP).")
    var plainHTTP: Bool = EnvironmentDefault.bool("LEADSD_PLAIN_HTTP", false)

    @Flag(name: .customLong("proxy-protocol"), inversion: .prefixedNo, help: "Expect a PROXY protocol v1/v2 header from trusted proxies (LEADSD_PROXY_PROTOCOL).")
    var proxyProtocol: Bool = EnvironmentDefault.bool("LEADSD_PROXY_PROTOCOL", false)

    @Option(name: .customLong("trusted-proxies"), help: "Comma-separated CIDRs whose PROXY header and X-Forwarded-* are believed (LEADSD_TRUSTED_PROXIES).")
    var trustedProxies: String = EnvironmentDefault.string("LEADSD_TRUSTED_PROXIES", "")

    @Option(name: .customLong("metrics-listen"), help: "Address of the /metrics listener, or 'off' (LEADSD_METRICS_LISTEN).")
    var metricsListen: String = EnvironmentDefault.string("LEADSD_METRICS_LISTEN", "127.0.0.1:9464")

    @Option(name: .customLong("rate-limit"), help: "Requests per minute per token (LEADSD_RATE_LIMIT).")
    var rateLimit: Int = EnvironmentDefault.int("LEADSD_RATE_LIMIT", 60)

    @Option(name: .customLong("guest-rate-limit"), help: "Unauthenticated requests per minute per client IP (LEADSD_GUEST_RATE_LIMIT).")
    var guestRateLimit: Int = EnvironmentDefault.int("LEADSD_GUEST_RATE_LIMIT", 30)

    @Option(name: .customLong("login-rate-limit"), help: "Token requests (POST auth/token) per minute per client IP (LEADSD_LOGIN_RATE_LIMIT).")
    var loginRateLimit: Int = EnvironmentDefault.int("LEADSD_LOGIN_RATE_LIMIT", 6)

    @Option(name: .customLong("route-prefix"), help: "First path segment of the API: /PREFIX/api/v2 (LEADSD_ROUTE_PREFIX).")
    var routePrefix: String = EnvironmentDefault.string("LEADSD_ROUTE_PREFIX", "crm")

    @Option(name: .customLong("table-prefix"), help: "Laravel CRM's table prefix (LEADSD_TABLE_PREFIX).")
    var tablePrefix: String = EnvironmentDefault.string("LEADSD_TABLE_PREFIX", "crm_")

    @Option(name: .customLong("user-model"), help: "tokenable_type of users' tokens (LEADSD_USER_MODEL).")
    var userModel: String = EnvironmentDefault.string("LEADSD_USER_MODEL", "App\\Models\\User")

    @Option(name: .customLong("token-expiration"), help: "Sanctum token expiry in minutes since creation; 0 = never (LEADSD_TOKEN_EXPIRATION).")
    var tokenExpiration: Int = EnvironmentDefault.int("LEADSD_TOKEN_EXPIRATION", 0)

    @Option(name: .customLong("app-key-file"), help: ArgumentHelp(
        "File holding Laravel's APP_KEY (base64:…), for names Laravel CRM stored encrypted; further lines: previous keys. Instead of the APP_KEY and APP_PREVIOUS_KEYS variables; must not be readable by group or others; the app-key credential stands in for it (LEADSD_APP_KEY_FILE).",
        valueName: "file"))
    var appKeyFile: String = EnvironmentDefault.string("LEADSD_APP_KEY_FILE", "")

    @Flag(name: .customLong("teams"), inversion: .prefixedNo, help: "Teams mode, X-Team-ID (LEADSD_TEAMS); not available yet: refused at start.")
    var teams: Bool = EnvironmentDefault.bool("LEADSD_TEAMS", false)

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body; larger is 413 (LEADSD_MAX_BODY_BYTES).")
    var maxBodyBytes: Int = EnvironmentDefault.int("LEADSD_MAX_BODY_BYTES", 1 << 20)

    @Option(name: .customLong("max-request-line-bytes"), help: "Longest request line; longer is 431 (LEADSD_MAX_REQUEST_LINE_BYTES).")
    var maxRequestLineBytes: Int = EnvironmentDefault.int("LEADSD_MAX_REQUEST_LINE_BYTES", 8 * 1024)

    @Option(name: .customLong("max-header-bytes"), help: "Largest header section; larger is 431 (LEADSD_MAX_HEADER_BYTES).")
    var maxHeaderBytes: Int = EnvironmentDefault.int("LEADSD_MAX_HEADER_BYTES", 32 * 1024)

    @Option(name: .customLong("max-header-count"), help: "Most header fields; more is 431 (LEADSD_MAX_HEADER_COUNT).")
    var maxHeaderCount: Int = EnvironmentDefault.int("LEADSD_MAX_HEADER_COUNT", 100)

    @Option(name: .customLong("max-connections"), help: "Open client connections per worker (LEADSD_MAX_CONNECTIONS).")
    var maxConnections: Int = EnvironmentDefault.int("LEADSD_MAX_CONNECTIONS", 4096)

    @Option(name: .customLong("handshake-timeout"), help: "Seconds for the TLS handshake (LEADSD_HANDSHAKE_TIMEOUT).")
    var handshakeTimeout: Int = EnvironmentDefault.int("LEADSD_HANDSHAKE_TIMEOUT", 10)

    @Option(name: .customLong("header-timeout"), help: "Seconds to receive a request's headers (LEADSD_HEADER_TIMEOUT).")
    var headerTimeout: Int = EnvironmentDefault.int("LEADSD_HEADER_TIMEOUT", 10)

    @Option(name: .customLong("body-timeout"), help: "Seconds to receive a request's body (LEADSD_BODY_TIMEOUT).")
    var bodyTimeout: Int = EnvironmentDefault.int("LEADSD_BODY_TIMEOUT", 30)

    @Option(name: .customLong("idle-timeout"), help: "Seconds a keep-alive connection may idle (LEADSD_IDLE_TIMEOUT).")
    var idleTimeout: Int = EnvironmentDefault.int("LEADSD_IDLE_TIMEOUT", 60)

    @Option(name: .customLong("shutdown-timeout"), help: "Seconds in-flight requests get to finish on SIGTERM or reload (LEADSD_SHUTDOWN_TIMEOUT).")
    var shutdownTimeout: Int = EnvironmentDefault.int("LEADSD_SHUTDOWN_TIMEOUT", 30)

    @Option(name: .customLong("db-pool-size"), help: "PostgreSQL connections per worker (LEADSD_DB_POOL_SIZE).")
    var dbPoolSize: Int = EnvironmentDefault.int("LEADSD_DB_POOL_SIZE", 4)

    @Option(name: .customLong("db-pool-burst"), help: "Extra PostgreSQL connections per worker, opened while durable writes pile up and closed after 10 s idle; for databases with a slow WAL flush (LEADSD_DB_POOL_BURST).")
    var dbPoolBurst: Int = EnvironmentDefault.int("LEADSD_DB_POOL_BURST", 0)

    @Option(name: .customLong("db-statement-timeout"), help: "Seconds a PostgreSQL statement may run before the server cancels it; the request gets 503 (LEADSD_DB_STATEMENT_TIMEOUT).")
    var dbStatementTimeout: Int = EnvironmentDefault.int("LEADSD_DB_STATEMENT_TIMEOUT", 5)

    @Option(name: .customLong("backlog"), help: "Listen backlog of the sockets the daemon binds (LEADSD_BACKLOG).")
    var backlog: Int = EnvironmentDefault.int("LEADSD_BACKLOG", 1024)

    @Option(name: .customLong("env-file"), help: "KEY=VALUE file read at start and again on SIGHUP (LEADSD_ENV_FILE).")
    var envFile: String = EnvironmentDefault.string("LEADSD_ENV_FILE", "")

    @Flag(name: .customLong("check-config"), help: "Check the settings, the certificate and key, and the database, print one line per problem, and exit 0 (all good) or 1.")
    var checkConfig = false
}
