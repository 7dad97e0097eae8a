/// Validation messages per attribute path, in the order Laravel reports them: the order of
/// the rules (fields as the contract lists them, `labels.N` after `labels`).
public struct ValidationErrors: Equatable, Sendable {
    public private(set) var entries: [(path: String, messages: [String])] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    public var messageCount: Int { entries.reduce(0) { $0 + $1.messages.count } }

    public mutating func add(_ path: String, _ message: String) {
        if let index = entries.firstIndex(where: { $0.path == path }) {
            entries[index].messages.append(message)
        } else {
            entries.append((path, [message]))
        }
    }

    public func has(_ path: String) -> Bool { entries.contains { $0.path == path } }

    /// Merges messages found later (the "exists" checks) into the order of the rules.
    public mutating func merge(_ other: ValidationErrors, order: (String) -> (Int, Int)) {
        for entry in other.entries {
            for message in entry.messages { add(entry.path, message) }
        }
        entries.sort { order($0.path) < order($1.path) }
    }

    /// `{"message": first[ (and N more error[s])], "errors": {path: [messages]}}`.
    public func envelope() -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("message")
        writer.string(summary)
        writer.key("errors")
        writer.beginObject()
        for entry in entries {
            writer.key(entry.path)
            writer.beginArray()
            for message in entry.messages { writer.string(message) }
            writer.endArray()
        }
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }

    public var summary: String {
        guard let first = entries.first?.messages.first else { return "" }
        let more = messageCount - 1
        switch more {
        case 0: return first
        case 1: return first + " (and 1 more error)"
        default: return first + " (and \(more) more errors)"
        }
    }

    public static func == (a: ValidationErrors, b: ValidationErrors) -> Bool {
        a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.path == $1.path && $0.messages == $1.messages }
    }
}

/// Laravel's English messages; attribute names have underscores turned into spaces.
public enum ValidationMessage {
    public static func attribute(_ path: String) -> String {
        String(path.map { $0 == "_" ? " " : $0 })
    }

    public static func required(_ path: String) -> String { "The \(attribute(path)) field is required." }
    public static func string(_ path: String) -> String { "The \(attribute(path)) field must be a string." }
    public static func maxCharacters(_ path: String, _ max: Int) -> String {
        "The \(attribute(path)) field must not be greater than \(max) characters."
    }
    public static func numeric(_ path: String) -> String { "The \(attribute(path)) field must be a number." }
    public static func minNumber(_ path: String, _ min: String) -> String { "The \(attribute(path)) field must be at least \(min)." }
    public static func maxNumber(_ path: String, _ max: String) -> String {
        "The \(attribute(path)) field must not be greater than \(max)."
    }
    public static func decimal(_ path: String, _ places: String) -> String {
        "The \(attribute(path)) field must have \(places) decimal places."
    }
    public static func sizeCharacters(_ path: String, _ size: Int) -> String {
        "The \(attribute(path)) field must be \(size) characters."
    }
    public static func dateFormat(_ path: String, _ format: String) -> String {
        "The \(attribute(path)) field must match the format \(format)."
    }
    public static func uuid(_ path: String) -> String { "The \(attribute(path)) field must be a valid UUID." }
    public static func integer(_ path: String) -> String { "The \(attribute(path)) field must be an integer." }
    public static func array(_ path: String) -> String { "The \(attribute(path)) field must be an array." }
    public static func exists(_ path: String) -> String { "The selected \(attribute(path)) is invalid." }
}
