import Postgres
@testable import LeadsAPI

/// Rows every lead integration test starts from, and the tokens of the test gate.
enum LeadsFixture {
    static let fullToken = "1|full"
    static let viewerToken = "2|viewer"
    static let creatorToken = "3|creator"
    static let noAccessToken = "4|noaccess"
    static let limitedToken = "5|limited"

    static let person = "0e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01"
    static let deletedPerson = "0e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c02"
    static let organization = "1e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01"
    static let hotLabel = "2e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01"
    static let coldLabel = "2e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c02"
    static let deletedLabel = "2e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c03"
    static let leadSource = "3e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01"
    static let pipelineStage = "4e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c01"
    static let missing = "9e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c99"

    static let seed = """
    INSERT INTO users (id, name, email, password, crm_access) VALUES
        (1, 'Jane Doe', 'jane@example.test', '-', true), (2, 'Bob Roe', 'bob@example.test', '-', true),
        (3, 'No Access', 'none@example.test', '-', false);
    SELECT setval(pg_get_serial_sequence('users', 'id'), 3);
    INSERT INTO crm_people (external_id, first_name, last_name, deleted_at) VALUES
        ('\(person)', 'John', 'Smith', NULL), ('\(deletedPerson)', 'Gone', 'Person', now());
    INSERT INTO crm_organizations (external_id, name) VALUES ('\(organization)', 'Acme Co');
    -- Inserted cold first so that label ids and the order of the request differ.
    INSERT INTO crm_labels (external_id, name, hex, deleted_at) VALUES
        ('\(hotLabel)', 'Hot', 'f00', NULL), ('\(coldLabel)', 'Cold', '00f', NULL), ('\(deletedLabel)', 'Old', '999', now());
    INSERT INTO crm_lead_sources (external_id, name) VALUES ('\(leadSource)', 'Web');
    INSERT INTO crm_pipelines (id, external_id, name) VALUES (7, 'p', 'Sales');
    INSERT INTO crm_pipeline_stages (external_id, name, pipeline_id) VALUES ('\(pipelineStage)', 'New', 7);
    INSERT INTO crm_lead_statuses (id, external_id, name) VALUES (1, 's', 'Lead') ON CONFLICT (id) DO NOTHING;
    """

    static func user(_ id: Int64, _ name: String, crmAccess: Bool = true, abilities: Set<String>? = nil) -> AuthenticatedUser {
        AuthenticatedUser(userID: id, name: name, email: "\(id)@example.test", crmAccess: crmAccess, tokenID: id, abilities: abilities)
    }

    static func gate() -> LeadsTestGate {
        let gate = LeadsTestGate()
        gate.users[fullToken] = user(1, "Jane Doe", abilities: ["*"])
        gate.users[viewerToken] = user(1, "Jane Doe", abilities: [Ability.view.rawValue])
        gate.users[creatorToken] = user(1, "Jane Doe", abilities: [Ability.create.rawValue])
        gate.users[noAccessToken] = user(3, "No Access", crmAccess: false)
        gate.limitedTokens = [limitedToken]
        return gate
    }
}
