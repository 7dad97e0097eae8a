/// Reads a one-dimensional array in PostgreSQL's text output format (`{a,"b c",NULL}`) as
/// raw bytes per element, so text that is not valid UTF-8 reaches the JSON writer intact.
enum PostgresArrayText {
    static func elements(_ bytes: [UInt8]) -> [[UInt8]?]? {
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var result: [[UInt8]?] = []
        var index = 1
        let end = bytes.count - 1
        if index == end { return [] }
        while index < end {
            if bytes[index] == UInt8(ascii: "\"") {
                var element: [UInt8] = []
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < end { index += 1 }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1
                result.append(element)
            } else {
                let start = index
                while index < end, bytes[index] != UInt8(ascii: ",") { index += 1 }
                let element = Array(bytes[start..<index])
                result.append(element == Array("NULL".utf8) ? nil : element)
            }
            if index < end {
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }
        return result
    }

    /// A text[] parameter literal: every element quoted, `"` and `\` escaped.
    static func literal(_ values: [String]) -> String {
        var out = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            for character in value {
                if character == "\"" || character == "\\" { out += "\\" }
                out.append(character)
            }
            out += "\""
        }
        return out + "}"
    }
}
