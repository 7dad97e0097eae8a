/// What the API layer needs to know of the operator's configuration.
public struct APIConfiguration: Sendable {
    /// The first path segment: `/{routePrefix}/api/v2`.
    public var routePrefix: String
    /// Requests per minute per token.
    public var rateLimit: Int
    /// Requests per minute per client IP, for unauthenticated requests.
    public var guestRateLimit: Int
    /// `POST auth/token` attempts per minute per client IP.
    public var loginRateLimit: Int
    /// Sanctum's global expiry in minutes since `created_at`; nil = off.
    public var tokenExpirationMinutes: Int?
    /// `personal_access_tokens.tokenable_type` of users.
    public var userModel: String
    /// Request bodies above this are 413.
    public var maxBodyBytes: Int
    /// Laravel CRM's table prefix.
    public var tablePrefix: String
    /// Teams mode (`X-Team-ID`); off by default.
    public var teamsEnabled: Bool
    /// Laravel's `APP_KEY` and `APP_PREVIOUS_KEYS`, for names Laravel CRM stored encrypted
    /// (contract §2c); nil = none configured, and an encrypted name is then refused.
    public var appKeys: LaravelKeys?

    public init(
        routePrefix: String = "crm",
        rateLimit: Int = 60,
        guestRateLimit: Int = 30,
        loginRateLimit: Int = 6,
        tokenExpirationMinutes: Int? = nil,
        userModel: String = "App\\Models\\User",
        maxBodyBytes: Int = 1 << 20,
        tablePrefix: String = "crm_",
        teamsEnabled: Bool = false,
        appKeys: LaravelKeys? = nil
    ) {
        self.routePrefix = routePrefix
        self.rateLimit = rateLimit
        self.guestRateLimit = guestRateLimit
        self.loginRateLimit = loginRateLimit
        self.tokenExpirationMinutes = tokenExpirationMinutes
        self.userModel = userModel
        self.maxBodyBytes = maxBodyBytes
        self.tablePrefix = tablePrefix
        self.teamsEnabled = teamsEnabled
        self.appKeys = appKeys
    }
}
