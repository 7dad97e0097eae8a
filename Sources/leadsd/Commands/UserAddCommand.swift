import ArgumentParser
import LeadsAPI
import Postgres

/// `leadsd user add`: creates a user with a bcrypt (`$2y$`) password read from stdin.
struct UserAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create a user; the password is read from stdin (never from the command line).",
        discussion: """
        Interactive: prompts for the password without echo. Scripted: pipe it, e.g. \
        `printf '%s\\n' "$PASSWORD" | leadsd user add --email a@b.c --name Ann --crm-access`.
        """
    )

    @Option(help: "The user's email address (unique).")
    var email: String

    @Option(help: "The user's display name.")
    var name: String

    @Flag(name: .customLong("crm-access"), help: "Allow the user to use the CRM API (users.crm_access).")
    var crmAccess = false

    @Flag(name: .customLong("if-missing"), help: "When a user with this email exists, change nothing and exit 0.")
    var ifMissing = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        let trimmedEmail = email.trimmingSpaces
        guard EmailAddress.isPlausible(trimmedEmail) else {
            throw ValidationError("The email [\(email)] is not a valid email address.")
        }
        guard !name.trimmingSpaces.isEmpty, name.utf8.count <= 255 else {
            throw ValidationError("The name must be 1 to 255 characters.")
        }
    }

    func run() throws {
        let email = email.trimmingSpaces
        let password = try PasswordInput.read(prompt: "Password for \(email): ")
        let connection = try database.connect()

        if ifMissing {
            let existing = try query(connection, "SELECT id FROM users WHERE email = $1", [email])
            if let id = existing.rows.first?[0].int {
                fputsStderr("User [\(email)] already exists (id \(id)); nothing changed.")
                return
            }
        }

        guard let hash = PasswordHasher.hash(password) else {
            throw CommandFailure("Could not hash the password.")
        }
        let outcome: Result<QueryResult, PostgresError>
        do throws(PostgresError) {
            outcome = .success(try connection.execute(
                """
                INSERT INTO users (name, email, password, crm_access, created_at, updated_at)
                VALUES ($1, $2, $3, $4::boolean,
                        date_trunc('second', now() AT TIME ZONE 'UTC'),
                        date_trunc('second', now() AT TIME ZONE 'UTC'))
                RETURNING id
                """,
                [name.trimmingSpaces, email, hash, crmAccess ? "true" : "false"]
            ))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let result):
            let id = result.rows.first?[0].string ?? "?"
            print("Created user \(id) [\(email)]\(crmAccess ? " with CRM access" : "").")
        case .failure(let error) where error.isUniqueViolation && ifMissing:
            fputsStderr("User [\(email)] already exists; nothing changed.")
        case .failure(let error) where error.isUniqueViolation:
            throw CommandFailure("A user with email [\(email)] already exists.")
        case .failure(let error):
            throw CommandFailure("Could not create the user: \(error.commandLineMessage)")
        }
    }
}

/// Runs a statement, turning a database error into a one-line failure.
func query(_ connection: BlockingConnection, _ sql: String, _ parameters: [PostgresParameter] = []) throws(CommandFailure) -> QueryResult {
    do throws(PostgresError) {
        return try connection.execute(sql, parameters)
    } catch {
        throw CommandFailure("Database error: \(error.commandLineMessage)")
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}

/// Enough of a check to catch a swapped argument; the mail server is the real judge.
enum EmailAddress {
    static func isPlausible(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, text.utf8.count <= 255 else { return false }
        return !text.contains(where: { $0.isWhitespace || $0.isNewline })
    }
}
