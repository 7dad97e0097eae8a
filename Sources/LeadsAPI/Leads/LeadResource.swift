import Postgres

/// Writes one row of `LeadStatements.show`/`list` as the Lead resource of contract §5,
/// keys in the contract's order, all present; names through `StoredNames` (which refuses
/// to serve ciphertext when no app key is configured).
enum LeadResource {
    enum Column: Int {
        case externalID, leadID, title, description, amount, currency
        case expectedClose, convertedAt, createdAt, updatedAt, deletedAt
        case ownerID, ownerName, personID, personFirstName, personLastName, organizationID, organizationName
        case labelIDs, labelNames
    }

    static let columnCount = 20

    /// Whether a row has the shape `write` reads (always, for rows of LeadStatements).
    static func isLeadRow(_ row: [PostgresCell]) -> Bool { row.count == columnCount }

    static func write(_ row: [PostgresCell], names: StoredNames, into writer: inout JSONWriter) throws(StoredNames.CiphertextWithoutKey) {
        func cell(_ column: Column) -> PostgresCell { row[column.rawValue] }
        writer.beginObject()
        writer.key("id"); writer.string(bytes: cell(.externalID).bytes)
        writer.key("lead_id"); writer.string(bytes: cell(.leadID).bytes)
        writer.key("title"); writer.string(bytes: cell(.title).bytes)
        writer.key("description"); writer.string(bytes: cell(.description).bytes)
        writer.key("amount"); if let cents = cell(.amount).int { writer.cents(cents) } else { writer.null() }
        writer.key("currency"); writer.string(bytes: cell(.currency).bytes)
        // Timestamps arrive formatted by to_char, ASCII only.
        writer.key("expected_close"); writer.string(bytes: cell(.expectedClose).bytes)
        writer.key("converted_at"); writer.string(bytes: cell(.convertedAt).bytes)
        writer.key("created_at"); writer.string(bytes: cell(.createdAt).bytes)
        writer.key("updated_at"); writer.string(bytes: cell(.updatedAt).bytes)
        writer.key("deleted_at"); writer.string(bytes: cell(.deletedAt).bytes)

        writer.key("owner")
        if let ownerID = cell(.ownerID).int {
            writer.beginObject()
            writer.key("id"); writer.int(ownerID)
            writer.key("name"); writer.string(bytes: cell(.ownerName).bytes)
            writer.endObject()
        } else {
            writer.null()
        }
        let personID = cell(.personID).bytes
        let personName = personID == nil ? nil : try names.person(first: cell(.personFirstName).bytes, last: cell(.personLastName).bytes)
        writeReference("person", id: personID, name: personName, into: &writer)
        let organizationID = cell(.organizationID).bytes
        let organizationName = organizationID == nil ? nil : try names.organization(cell(.organizationName).bytes)
        writeReference("organization", id: organizationID, name: organizationName, into: &writer)

        writer.key("labels")
        writer.beginArray()
        if let idBytes = cell(.labelIDs).bytes, let nameBytes = cell(.labelNames).bytes,
           let ids = PostgresArrayText.elements(idBytes), let labelNames = PostgresArrayText.elements(nameBytes),
           ids.count == labelNames.count {
            for (id, name) in zip(ids, labelNames) {
                writer.beginObject()
                writer.key("id"); writer.string(bytes: id)
                writer.key("name"); writer.string(bytes: name)
                writer.endObject()
            }
        }
        writer.endArray()
        writer.endObject()
    }

    private static func writeReference(_ key: StaticString, id: [UInt8]?, name: [UInt8]?, into writer: inout JSONWriter) {
        writer.key(key)
        guard let id else { writer.null(); return }
        writer.beginObject()
        writer.key("id"); writer.string(bytes: id)
        writer.key("name"); writer.string(bytes: name)
        writer.endObject()
    }

    /// `{"data": Lead}`.
    static func document(_ row: [PostgresCell], names: StoredNames) throws(StoredNames.CiphertextWithoutKey) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("data")
        try write(row, names: names, into: &writer)
        writer.endObject()
        return writer.bytes
    }
}
