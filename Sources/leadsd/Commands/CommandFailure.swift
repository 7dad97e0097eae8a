/// A refusal or failure a command reports to the operator: printed as its one line, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description.singleLine }
}

extension String {
    /// Messages from libpq span several lines ("…\n\tIs the server running…"); an error on
    /// the command line is one line.
    var singleLine: String {
        split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { line in
                var text = Substring(line)
                while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
                while let last = text.last, last == " " || last == "\t" { text.removeLast() }
                return text
            }
            .filter { !$0.isEmpty }
            .joined(separator: "; ")
    }
}
