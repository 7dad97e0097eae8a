import LeadsAPI
import Postgres

/// Contract §2c, "ciphertext is never served silently": with no app key configured, a name
/// column that holds Laravel-encrypted values makes `serve` refuse to start (and a reload
/// fail, the old workers serving on) rather than serve ciphertext as names.
///
/// `atStart` runs in the master before it forks: one blocking libpq connection (libpq starts
/// no thread), at most `connectTimeoutSeconds` to connect and `statementTimeoutMilliseconds`
/// for `EncryptedNameProbe`. When the database does not answer, the start goes on as it always
/// did (`/readyz` is 503 until the database answers) and each worker runs the probe itself
/// before it serves a lead (`EncryptedNamesGuard`), logging what it finds (`log`).
enum EncryptedNamesCheck {
    static let connectTimeoutSeconds = 5
    static let statementTimeoutMilliseconds = 10_000

    /// True when the workers need not check: a key is configured, or no column holds a payload.
    static func atStart(_ configuration: ServeConfiguration) throws(ConfigurationError) -> Bool {
        guard configuration.api.appKeys == nil else { return true }
        let finding: EncryptedNameProbe.Finding?
        do throws(PostgresError) {
            let connection = try BlockingConnection(connectionString: configuration.database.connectionString,
                                                    connectTimeoutSeconds: connectTimeoutSeconds)
            defer { connection.close() }
            finding = try Self.finding(on: connection, tablePrefix: configuration.api.tablePrefix)
        } catch {
            deferred(error.message.singleLine)
            return false
        }
        switch finding {
        case .none?:
            return true
        case .ciphertext(let column)?:
            throw ConfigurationError(refusal(column: column))
        case nil:
            deferred("the probe's result has an unexpected shape")
            return false
        }
    }

    /// `EncryptedNameProbe` on an open connection, within `statementTimeoutMilliseconds`
    /// (the setting stays on that connection); nil when its result has an unexpected shape.
    static func finding(on connection: BlockingConnection, tablePrefix: String) throws(PostgresError) -> EncryptedNameProbe.Finding? {
        try connection.execute("SET statement_timeout = \(statementTimeoutMilliseconds)")
        return EncryptedNameProbe.finding(in: try connection.execute(EncryptedNameProbe.statement(tablePrefix: tablePrefix).sql),
                                          tablePrefix: tablePrefix)
    }

    static func refusal(column: String) -> String {
        "\(column) holds Laravel-encrypted values but no APP_KEY is configured: set APP_KEY (or --app-key-file) to the Laravel application's key, so that names are decrypted rather than served as ciphertext"
    }

    /// A worker's findings, into the log.
    static func log(_ report: EncryptedNamesGuard.Report) {
        switch report {
        case .cleared:
            MasterLog.info("encrypted_names_checked", [("found", "none")])
        case .refused(let column):
            MasterLog.error("encrypted_names_refused", [("column", column), ("error", refusal(column: column))])
        case .checkFailed(let message):
            MasterLog.warning("encrypted_names_check_failed", [("error", message), ("retry", "every second; no lead is served meanwhile")])
        }
    }

    private static func deferred(_ reason: String) {
        MasterLog.warning("encrypted_names_check_deferred", [("error", reason), ("then", "each worker checks before it serves a lead")])
    }
}
