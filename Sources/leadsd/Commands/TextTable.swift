/// Rows for a person at a terminal: a header, columns padded to their widest cell, two
/// spaces between them. Control characters in a cell (a name written by anyone) print as
/// `?`, so a row can never move the cursor or recolour the terminal.
///
///     var table = TextTable(header: ["ID", "EMAIL"])
///     table.append(["7", "ann@example.com"])
///     print(table.text, terminator: "")
struct TextTable {
    private var rows: [[String]]

    init(header: [String]) { rows = [header] }

    mutating func append(_ row: [String]) {
        rows.append(row.map { cell in
            String(String.UnicodeScalarView(cell.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
        })
    }

    var text: String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            out += line + "\n"
        }
        return out
    }
}
