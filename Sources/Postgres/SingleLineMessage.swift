extension String {
    /// libpq's messages span lines (DETAIL, HINT, "\n\tIs the server running…"); a command
    /// line error or a log field is one line: lines trimmed and joined by "; ".
    public var singleLine: String {
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
