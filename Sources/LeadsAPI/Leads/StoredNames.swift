/// People's and organizations' names as the Lead resource serves them, from what Laravel CRM
/// stored (contract §2c): a Laravel Encrypter payload is decrypted with the app key, and a
/// value that is plain or does not decrypt is served as stored, as upstream's
/// HasEncryptableFields does.
///
///     let names = StoredNames(encrypter: LaravelEncrypter(keys: keys))
///     try names.person(first: firstCell, last: lastCell)   // "Jane Doe"
///     try names.organization(nameCell)                      // "Acme Co", or nil
///
/// With no key configured, a payload is never served: the call throws `CiphertextWithoutKey`
/// naming the column, and the caller answers 503 instead.
///
/// Not Sendable (the encrypter holds OpenSSL contexts): one per worker, used on its queue.
final class StoredNames {
    /// The columns that may hold encrypted names, in the order the start check reports them.
    enum Column: CaseIterable {
        case personFirstName, personLastName, organizationName

        var table: String {
            switch self {
            case .personFirstName, .personLastName: return "people"
            case .organizationName: return "organizations"
            }
        }

        var name: String {
            switch self {
            case .personFirstName: return "first_name"
            case .personLastName: return "last_name"
            case .organizationName: return "name"
            }
        }

        /// `crm_people.first_name`: how messages name it.
        func qualified(tablePrefix: String) -> String { "\(tablePrefix)\(table).\(name)" }
    }

    /// A stored name is a Laravel payload, and no app key is configured.
    struct CiphertextWithoutKey: Error {
        let column: Column
    }

    private let encrypter: LaravelEncrypter?

    init(encrypter: LaravelEncrypter?) {
        self.encrypter = encrypter
    }

    /// First name, one space, last name, trimmed of what PHP's `trim` removes (upstream's
    /// `trim($first.' '.$last)`); a NULL part counts as empty.
    func person(first: [UInt8]?, last: [UInt8]?) throws(CiphertextWithoutKey) -> [UInt8] {
        var joined = try decoded(first, .personFirstName) ?? []
        joined.append(UInt8(ascii: " "))
        joined += try decoded(last, .personLastName) ?? []
        return Self.phpTrimmed(joined)
    }

    /// The organization's name, nil when it is NULL.
    func organization(_ stored: [UInt8]?) throws(CiphertextWithoutKey) -> [UInt8]? {
        try decoded(stored, .organizationName)
    }

    private func decoded(_ stored: [UInt8]?, _ column: Column) throws(CiphertextWithoutKey) -> [UInt8]? {
        guard let stored else { return nil }
        guard let encrypter else {
            if LaravelPayload(stored: stored) != nil { throw CiphertextWithoutKey(column: column) }
            return stored
        }
        return encrypter.decrypt(stored) ?? stored
    }

    /// PHP's `trim` with its default characters: space, tab, newline, carriage return, NUL
    /// and vertical tab.
    static func phpTrimmed(_ bytes: [UInt8]) -> [UInt8] {
        func trimmed(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x00 || byte == 0x0B
        }
        guard let start = bytes.firstIndex(where: { !trimmed($0) }), let end = bytes.lastIndex(where: { !trimmed($0) }) else {
            return []
        }
        return Array(bytes[start...end])
    }
}
