import Postgres

/// Writes one row of `LeadStatements.show`/`list` as the Lead resource of contract §5,
/// keys in the contract's order, all present.
enum LeadResource {
    enum Column: Int {
        case externalID, leadID, title, description, amount, currency
        case expectedClose, convertedAt, createdAt, updatedAt, deletedAt
        case ownerID, ownerName, personID, personName, organizationID, organizationName
        case labelIDs, labelNames
    }

    static func write(_ row: [PostgresCell], into writer: inout JSONWriter) {
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
        writeReference("person", id: cell(.personID), name: cell(.personName), into: &writer)
        writeReference("organization", id: cell(.organizationID), name: cell(.organizationName), into: &writer)

        writer.key("labels")
        writer.beginArray()
        if let idBytes = cell(.labelIDs).bytes, let nameBytes = cell(.labelNames).bytes,
           let ids = PostgresArrayText.elements(idBytes), let names = PostgresArrayText.elements(nameBytes),
           ids.count == names.count {
            for (id, name) in zip(ids, names) {
                writer.beginObject()
                writer.key("id"); writer.string(bytes: id)
                writer.key("name"); writer.string(bytes: name)
                writer.endObject()
            }
        }
        writer.endArray()
        writer.endObject()
    }

    private static func writeReference(_ key: StaticString, id: PostgresCell, name: PostgresCell, into writer: inout JSONWriter) {
        writer.key(key)
        guard let idBytes = id.bytes else { writer.null(); return }
        writer.beginObject()
        writer.key("id"); writer.string(bytes: idBytes)
        writer.key("name"); writer.string(bytes: name.bytes)
        writer.endObject()
    }

    /// `{"data": Lead}`.
    static func document(_ row: [PostgresCell]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("data")
        write(row, into: &writer)
        writer.endObject()
        return writer.bytes
    }
}
