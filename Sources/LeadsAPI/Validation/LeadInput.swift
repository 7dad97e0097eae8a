/// A field of a partial update: absent (keep), null (clear) or a value.
public enum Field<Value: Equatable & Sendable>: Equatable, Sendable {
    case absent
    case null
    case value(Value)

    public var isPresent: Bool { if case .absent = self { return false } else { return true } }

    public var value: Value? { if case .value(let value) = self { return value } else { return nil } }
}

/// A request body that passed the rules that need no database. References are still
/// unresolved UUIDs / ids: the "exists" checks run against live rows afterwards.
public struct LeadInput: Equatable, Sendable {
    public var title: Field<String> = .absent
    public var description: Field<String> = .absent
    public var amountCents: Field<Int> = .absent
    /// `.null` means the default, USD.
    public var currency: Field<String> = .absent
    /// UTC, as PostgreSQL `timestamp` text.
    public var expectedClose: Field<String> = .absent
    public var personID: Field<String> = .absent
    public var organizationID: Field<String> = .absent
    public var leadSourceID: Field<String> = .absent
    public var pipelineStageID: Field<String> = .absent
    public var userOwnerID: Field<Int64> = .absent
    /// Label UUIDs as sent, in order (duplicates kept so `labels.N` paths stay right).
    public var labels: Field<[String]> = .absent
    /// Every item of `labels` that is a UUID, index-aligned (nil where the item failed), so the
    /// exists check runs for the good items even when another item failed.
    public var labelsToCheck: [String?] = []

    public init() {}
}

/// The references of an input, resolved against live rows by one statement.
public struct ResolvedReferences: Equatable, Sendable {
    public var personFound: Bool
    public var organizationFound: Bool
    public var leadSourceFound: Bool
    public var pipelineStageFound: Bool
    public var userOwnerFound: Bool
    /// External ids of the given labels that exist and are live.
    public var liveLabels: Set<String>

    public init(personFound: Bool, organizationFound: Bool, leadSourceFound: Bool, pipelineStageFound: Bool,
                userOwnerFound: Bool, liveLabels: Set<String>) {
        self.personFound = personFound
        self.organizationFound = organizationFound
        self.leadSourceFound = leadSourceFound
        self.pipelineStageFound = pipelineStageFound
        self.userOwnerFound = userOwnerFound
        self.liveLabels = liveLabels
    }
}
