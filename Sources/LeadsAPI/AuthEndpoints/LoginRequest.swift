import HTTP

/// The validated body of `POST auth/token`.
public struct LoginRequest: Sendable, Equatable {
    public var email: String
    public var password: String
    public var deviceName: String?

    /// What is wrong with a body that is not a valid login.
    public enum Failure: Error, Equatable {
        /// The body checks every write shares (413, 415, 400: `RequestBody`).
        case body(RequestBody.Failure)
        /// Laravel's validation errors, in field order: 422.
        case invalid([(field: String, messages: [String])])

        public static func == (a: Failure, b: Failure) -> Bool {
            switch (a, b) {
            case (.body(let x), .body(let y)): return x == y
            case (.invalid(let x), .invalid(let y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.field == $1.field && $0.messages == $1.messages }
            default: return false
            }
        }
    }

    /// The longest `device_name` (and stored token name) in characters, as the column holds.
    public static let maximumNameLength = 255

    /// The same body rules as every write (contract §4): a blank body counts as `{}` (so its
    /// answer is the validation 422, as upstream's).
    public static func parse(_ request: HTTPRequest, maxBytes: Int) -> Result<LoginRequest, Failure> {
        switch RequestBody.object(of: request, maxBytes: maxBytes) {
        case .success(let fields): return validate(fields)
        case .failure(let failure): return .failure(.body(failure))
        }
    }

    /// A field as validation sees it: a string, or something present that is not one.
    enum Field: Equatable {
        case string(String)
        case other
    }

    static func validate(_ fields: JSONObject) -> Result<LoginRequest, Failure> {
        var errors: [(field: String, messages: [String])] = []

        // Laravel trims strings and turns empty ones into null before validating.
        func present(_ name: String) -> Field? {
            switch fields[name] {
            case .string(let text)?:
                let trimmed = trim(text)
                return trimmed.isEmpty ? nil : .string(trimmed)
            case .null?, nil: return nil
            case _?: return .other
            }
        }

        var email = ""
        switch present("email") {
        case .none: errors.append(("email", ["The email field is required."]))
        case .string(let text) where isEmailAddress(text): email = text
        default: errors.append(("email", ["The email field must be a valid email address."]))
        }

        // The password is checked as sent: trimming spaces off a password would change it.
        var password = ""
        switch fields["password"] {
        case .string(let text)? where !trim(text).isEmpty: password = text
        case .string?, .null?, nil: errors.append(("password", ["The password field is required."]))
        case _?: errors.append(("password", ["The password field must be a string."]))
        }

        var deviceName: String?
        switch present("device_name") {
        case .none: break
        // PostgreSQL text cannot hold NUL: such a name is refused as not a string, as the lead
        // fields are, instead of failing in the database.
        case .string(let text) where text.utf8.contains(0):
            errors.append(("device_name", ["The device name field must be a string."]))
        case .string(let text) where text.unicodeScalars.count <= maximumNameLength: deviceName = text
        case .string:
            errors.append(("device_name", ["The device name field must not be greater than 255 characters."]))
        case .other: errors.append(("device_name", ["The device name field must be a string."]))
        }

        guard errors.isEmpty else { return .failure(.invalid(errors)) }
        return .success(LoginRequest(email: email, password: password, deviceName: deviceName))
    }

    /// A plausible address in the spirit of Laravel's RFC `email` rule: one `@`, a local part
    /// and a domain, no spaces, controls or characters that need quoting, no empty labels.
    static func isEmailAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 254 else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64, !domain.isEmpty else { return false }
        let forbidden: Set<UInt8> = Set(" \t\r\n<>()[],;:\\\"".utf8)
        for part in [local, domain] {
            if part.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || forbidden.contains($0) }) { return false }
            if part.hasPrefix(".") || part.hasSuffix(".") || part.contains("..") { return false }
        }
        return true
    }

    static func trim(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first.properties.isWhitespace || first == "\0" { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace || last == "\0" { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

/// Laravel's 422 envelope: the first message, "(and N more error[s])", and every message by field.
enum ValidationResponse {
    static func make(_ errors: [(field: String, messages: [String])], route: String?) -> HTTPResponse {
        let all = errors.flatMap(\.messages)
        var message = all.first ?? "The given data was invalid."
        if all.count > 1 {
            let more = all.count - 1
            message += " (and \(more) more error\(more == 1 ? "" : "s"))"
        }
        var body: [UInt8] = Array("{\"message\":".utf8)
        JSONEscaping.appendString(message.utf8, to: &body)
        body.append(contentsOf: Array(",\"errors\":{".utf8))
        for (index, entry) in errors.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            JSONEscaping.appendString(entry.field.utf8, to: &body)
            body.append(contentsOf: Array(":[".utf8))
            for (m, text) in entry.messages.enumerated() {
                if m > 0 { body.append(UInt8(ascii: ",")) }
                JSONEscaping.appendString(text.utf8, to: &body)
            }
            body.append(UInt8(ascii: "]"))
        }
        body.append(contentsOf: Array("}}".utf8))
        return .json(422, body, route: route)
    }
}
