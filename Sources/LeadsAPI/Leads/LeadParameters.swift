import Postgres

/// Turns validated input into the parameters of `LeadStatements`.
enum LeadParameters {
    static func text(_ field: Field<String>) -> PostgresParameter { field.value }
    static func int(_ value: Int64?) -> PostgresParameter { value.map { String($0) } }
    static func int(_ value: Int?) -> PostgresParameter { value.map { String($0) } }
    static func bool(_ value: Bool) -> PostgresParameter { value ? "t" : "f" }
    static func labels(_ field: Field<[String]>) -> PostgresParameter { field.value.map(PostgresArrayText.literal) }

    static func resolve(_ input: LeadInput, leadUUID: String?, team: Int64?) -> [PostgresParameter] {
        let checked = input.labelsToCheck.compactMap { $0 }
        return [text(input.personID), text(input.organizationID), text(input.leadSourceID), text(input.pipelineStageID),
                int(input.userOwnerID.value), checked.isEmpty ? nil : PostgresArrayText.literal(checked), int(team), leadUUID]
    }

    /// Whether `input` names anything that must exist.
    static func hasReferences(_ input: LeadInput) -> Bool {
        input.personID.value != nil || input.organizationID.value != nil || input.leadSourceID.value != nil
            || input.pipelineStageID.value != nil || input.userOwnerID.value != nil || input.labelsToCheck.contains { $0 != nil }
    }

    static func create(_ input: LeadInput, externalID: String, userID: Int64, team: Int64?) -> [PostgresParameter] {
        [externalID, text(input.title), text(input.description), int(input.amountCents.value), text(input.currency),
         text(input.expectedClose), text(input.personID), text(input.organizationID), text(input.leadSourceID),
         text(input.pipelineStageID), int(input.userOwnerID.value), labels(input.labels), int(userID), int(team)]
    }

    /// A create body that names no person, organization, lead source, pipeline stage, owner or
    /// label (absent, null or `[]`): `LeadStatements.createBare` writes it.
    static func isBare(_ input: LeadInput) -> Bool {
        input.personID.value == nil && input.organizationID.value == nil && input.leadSourceID.value == nil
            && input.pipelineStageID.value == nil && input.userOwnerID.value == nil && (input.labels.value ?? []).isEmpty
    }

    static func createBare(_ input: LeadInput, externalID: String, userID: Int64, team: Int64?) -> [PostgresParameter] {
        [externalID, text(input.title), text(input.description), int(input.amountCents.value), text(input.currency),
         text(input.expectedClose), int(team), int(userID)]
    }

    static func update(_ input: LeadInput, leadUUID: String, userID: Int64, team: Int64?) -> [PostgresParameter] {
        func pair(_ field: Field<String>) -> [PostgresParameter] { [bool(field.isPresent), field.value] }
        return [leadUUID, int(team), int(userID)]
            + pair(input.title) + pair(input.description)
            + [bool(input.amountCents.isPresent), int(input.amountCents.value)]
            + pair(input.currency) + pair(input.expectedClose)
            + pair(input.personID) + pair(input.organizationID) + pair(input.leadSourceID) + pair(input.pipelineStageID)
            + [bool(input.userOwnerID.isPresent), int(input.userOwnerID.value)]
            + [bool(input.labels.isPresent), labels(input.labels)]
    }

    /// Reads the row of `LeadStatements.resolve`.
    static func resolved(_ result: QueryResult) -> (ResolvedReferences, leadFound: Bool)? {
        guard let row = result.rows.first, row.count == 7 else { return nil }
        let labels = row[5].bytes.flatMap(PostgresArrayText.elements) ?? []
        let references = ResolvedReferences(
            personFound: row[0].bool ?? false, organizationFound: row[1].bool ?? false,
            leadSourceFound: row[2].bool ?? false, pipelineStageFound: row[3].bool ?? false,
            userOwnerFound: row[4].bool ?? false,
            liveLabels: Set(labels.compactMap { $0.map { String(decoding: $0, as: UTF8.self) } }))
        return (references, row[6].bool ?? false)
    }
}
