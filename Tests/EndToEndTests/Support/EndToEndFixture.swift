import TestSupport

/// The rows every end-to-end class starts from, written in SQL as Laravel CRM and Sanctum
/// would have written them, and the plaintext tokens the tests present.
struct EndToEndFixture {
    let jane: Int64
    let bob: Int64
    let noAccess: Int64
    let janeEmail = "jane@example.test"
    let noAccessEmail = "none@example.test"

    /// Tokens of Jane: every ability, and one ability each.
    let full: String
    let viewer: String
    let creator: String
    let editor: String
    let deleter: String
    /// A valid token of a user without crm_access.
    let noAccessToken: String

    let person: String
    let deletedPerson: String
    let organization: String
    let hotLabel: String
    let coldLabel: String
    let deletedLabel: String

    /// A well-formed UUID that names nothing.
    static let missing = "9e9f6a44-7d1c-4c1e-9a57-5b1f0a2d4c99"

    init(seed: CRMSeed) throws {
        jane = try seed.user(name: "Jane Doe", email: janeEmail)
        bob = try seed.user(name: "Bob Roe", email: "bob@example.test")
        noAccess = try seed.user(name: "No Access", email: noAccessEmail, crmAccess: false)
        full = try seed.token(for: jane)
        viewer = try seed.token(for: jane, abilities: #"["view crm leads"]"#)
        creator = try seed.token(for: jane, abilities: #"["create crm leads"]"#)
        editor = try seed.token(for: jane, abilities: #"["view crm leads","edit crm leads"]"#)
        deleter = try seed.token(for: jane, abilities: #"["delete crm leads"]"#)
        noAccessToken = try seed.token(for: noAccess)
        person = try seed.person(first: "John", last: "Smith")
        deletedPerson = try seed.person(first: "Gone", last: "Person", deleted: true)
        organization = try seed.organization("Acme Co")
        // Hot first, so that label ids order Hot before Cold whatever a request's order is.
        hotLabel = try seed.label("Hot")
        coldLabel = try seed.label("Cold")
        deletedLabel = try seed.label("Old", deleted: true)
        try seed.leadStatuses()
    }
}
