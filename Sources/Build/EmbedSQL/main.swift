import Foundation

// Build-time tool run by EmbedSQLPlugin: EmbedSQL <sql-dir> <output.swift> <file.sql>...
// Writes `Migration.embedded`, the migrations in version order. Refuses names that do not
// follow `NNN_name.sql` and duplicate versions, so a typo fails the build instead of being
// skipped at run time.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: EmbedSQL <sql-dir> <output.swift> <file.sql>...") }
let directory = URL(fileURLWithPath: arguments[1])
let output = URL(fileURLWithPath: arguments[2])

struct Entry {
    let version: Int
    let name: String
    let sql: String
}

func parse(fileName: String) -> (Int, String)? {
    let stem = fileName.dropLast(".sql".count)
    let parts = stem.split(separator: "_", maxSplits: 1)
    guard fileName.hasSuffix(".sql"), parts.count == 2, parts[0].count == 3,
          parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
          !parts[1].isEmpty,
          parts[1].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
          let version = Int(parts[0]), version > 0 else { return nil }
    return (version, String(parts[1]))
}

var entries: [Entry] = []
for fileName in arguments.dropFirst(3).sorted() {
    guard let (version, name) = parse(fileName: fileName) else {
        fail("sql/\(fileName): migration files are named NNN_lowercase_name.sql (NNN from 001)")
    }
    if let clash = entries.first(where: { $0.version == version }) {
        fail("sql/\(fileName): version \(version) is already used by \(clash.name)")
    }
    guard let sql = try? String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8) else {
        fail("sql/\(fileName): not readable as UTF-8")
    }
    entries.append(Entry(version: version, name: name, sql: sql))
}
entries.sort { $0.version < $1.version }

/// A raw string delimiter that cannot occur inside `text`.
func delimiter(for text: String) -> String {
    var hashes = "#"
    while text.contains("\"\"\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
    return hashes
}

var source = """
// Generated at build time by EmbedSQL from sql/. Do not edit; add a file to sql/ instead.

extension Migration {
    /// Every migration in sql/, in version order.
    public static let embedded: [Migration] = [

"""
for entry in entries {
    let hashes = delimiter(for: entry.sql)
    source += "        Migration(version: \(entry.version), name: \"\(entry.name)\", sql: \(hashes)\"\"\"\n"
    source += entry.sql
    if !entry.sql.hasSuffix("\n") { source += "\n" }
    source += "\"\"\"\(hashes)),\n"
}
source += "    ]\n}\n"

do {
    try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(source.utf8).write(to: output, options: .atomic)
} catch {
    fail("cannot write \(output.path): \(error)")
}
