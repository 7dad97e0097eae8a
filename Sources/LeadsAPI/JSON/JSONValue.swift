/// A parsed request body. Numbers keep their source text so that validation can judge
/// `12.345` or `1e2` exactly, without a trip through floating point.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// Object members in source order. A repeated key: the last one wins (as PHP's json_decode).
public struct JSONObject: Equatable, Sendable {
    public private(set) var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }

    /// nil when the key is absent; `.null` when it is present as null.
    public subscript(_ key: String) -> JSONValue? {
        members.last { $0.key == key }?.value
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
