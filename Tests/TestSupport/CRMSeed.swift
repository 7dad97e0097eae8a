import COpenSSL
import Foundation
import Postgres

/// Writes the rows of a Laravel CRM install the way Laravel and Sanctum write them, straight
/// in SQL (no leadsd code involved), for tests that then talk to a daemon over the wire.
///
///     let seed = CRMSeed(connection)
///     let jane = try seed.user(name: "Jane Doe", email: "jane@example.test")
///     let token = try seed.token(for: jane)            // "7|Ab3…" as Sanctum hands it out
public struct CRMSeed {
    public let connection: BlockingConnection

    /// The password of every user made here, and its bcrypt hash as Laravel stores it
    /// (`$2y$`, cost 4 so that logins in tests are fast).
    public static let password = "secret-password"
    public static let passwordHash = "$2y$04$b6NbfBiRszf9kp858ZD7tusTizrabbZfPxj5.1lGf3VYGXOcUjD9q"
    public static let userModel = #"App\Models\User"#
    public static let leadType = #"VentureDrake\LaravelCrm\Models\Lead"#

    public init(_ connection: BlockingConnection) { self.connection = connection }

    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> QueryResult {
        try connection.execute(sql, parameters)
    }

    /// The first column of the first row as text.
    public func scalar(_ sql: String, _ parameters: [PostgresParameter] = []) throws -> String? {
        try connection.execute(sql, parameters).rows.first?.first?.string
    }

    // MARK: Users and tokens

    public func user(name: String, email: String, crmAccess: Bool = true, passwordHash: String = CRMSeed.passwordHash) throws -> Int64 {
        let id = try scalar("""
            INSERT INTO users (name, email, password, crm_access, created_at, updated_at)
            VALUES ($1, $2, $3, $4::boolean, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC') RETURNING id
            """, [name, email, passwordHash, crmAccess ? "true" : "false"])
        guard let id, let value = Int64(id) else { throw DaemonProcess.Failure("no user id for \(email)") }
        return value
    }

    /// A Sanctum token as `createToken()` makes it: the row holds sha256 hex of the secret
    /// (40 random letters and digits plus their crc32b), the client gets `<id>|<secret>`.
    /// `bare`: an old-style token without `|` (the row holds sha256 of the whole string).
    /// `expiresAt`: a UTC timestamp literal (`2020-01-01 00:00:00`), nil = never.
    public func token(for userID: Int64, abilities: String? = #"["*"]"#, name: String = "e2e", expiresAt: String? = nil,
                      createdAt: String? = nil, tokenableType: String = CRMSeed.userModel, bare: Bool = false) throws -> String {
        let secret = Self.sanctumSecret()
        let id = try scalar("""
            INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, expires_at, created_at, updated_at)
            VALUES ($1, $2::bigint, $3, $4, $5, $6::timestamp,
                    coalesce($7::timestamp, now() AT TIME ZONE 'UTC'), coalesce($7::timestamp, now() AT TIME ZONE 'UTC'))
            RETURNING id
            """, [tokenableType, String(userID), name, Self.sha256Hex(secret), abilities, expiresAt, createdAt])
        guard let id else { throw DaemonProcess.Failure("no token id") }
        return bare ? secret : "\(id)|\(secret)"
    }

    // MARK: CRM rows (each returns its external_id, a UUID)

    public func person(first: String, last: String?, deleted: Bool = false) throws -> String {
        try insertReturningUUID("INSERT INTO crm_people (external_id, first_name, last_name, deleted_at) VALUES ($1, $2, $3, \(deleted ? "now()" : "NULL"))", [first, last])
    }

    public func organization(_ name: String) throws -> String {
        try insertReturningUUID("INSERT INTO crm_organizations (external_id, name) VALUES ($1, $2)", [name])
    }

    public func label(_ name: String, deleted: Bool = false) throws -> String {
        try insertReturningUUID("INSERT INTO crm_labels (external_id, name, hex, deleted_at) VALUES ($1, $2, '999', \(deleted ? "now()" : "NULL"))", [name])
    }

    /// A lead as Laravel CRM writes one (number, prefix and lead_id set, timestamps now).
    @discardableResult
    public func lead(title: String, number: Int? = nil, prefix: String = "L", ownerID: Int64? = nil, amountCents: Int? = nil,
                     deleted: Bool = false) throws -> String {
        try insertReturningUUID("""
            INSERT INTO crm_leads (external_id, title, number, prefix, lead_id, user_owner_id, amount, currency,
                                   created_at, updated_at, deleted_at)
            VALUES ($1, $2, $3::int, $4::text, $4::text || $3::int, $5::bigint, $6::bigint, 'USD', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
                    CASE WHEN $7::boolean THEN now() AT TIME ZONE 'UTC' END)
            """, [title, number.map(String.init), prefix, ownerID.map(String.init), amountCents.map(String.init), deleted ? "true" : "false"])
    }

    /// The lead status row 1 that creates link to, as Laravel CRM's seeder makes it.
    public func leadStatuses() throws {
        try execute("INSERT INTO crm_lead_statuses (id, external_id, name) VALUES (1, 'lead', 'Lead') ON CONFLICT (id) DO NOTHING")
    }

    private func insertReturningUUID(_ sql: String, _ parameters: [PostgresParameter]) throws -> String {
        let uuid = UUID().uuidString.lowercased()
        try execute(sql, [uuid] + parameters)
        return uuid
    }

    // MARK: Sanctum's token string

    static func sanctumSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        let entropy = String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
        return entropy + String(format: "%08x", crc32b(Array(entropy.utf8)))
    }

    /// PHP's `hash('crc32b', …)`: the zlib CRC-32.
    public static func crc32b(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }

    /// sha256 as lowercase hex, through OpenSSL (not leadsd's own implementation).
    public static func sha256Hex(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = EVP_Digest(bytes, bytes.count, &digest, &length, EVP_sha256(), nil)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
