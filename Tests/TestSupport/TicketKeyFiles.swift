import Foundation

/// Session-ticket keys as a test sees them from outside: key files made by `openssl rand`,
/// and the key name a ticket carries, read back by `openssl sess_id` (OpenSSL's ticket
/// format starts with the 16-byte name of the key that sealed it).
public enum TicketKeyFiles {
    /// A new 80-byte key (16 name, 32 HMAC, 32 AES) at `path`; returns its name in hex.
    @discardableResult
    public static func makeKey(at path: String) throws -> String {
        let result = try runTool("/usr/bin/openssl", ["rand", "-out", path, "80"])
        guard result.status == 0 else { throw Failure("openssl rand: \(result.output)") }
        chmod(path, 0o600)
        return try name(ofKeyFile: path)
    }

    /// The name (first 16 bytes, hex) of the first key in a key file.
    public static func name(ofKeyFile path: String) throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        guard bytes.count >= 16 else { throw Failure("\(path) holds \(bytes.count) bytes") }
        return bytes.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes the keys of `keyFiles`, in order, into one key file at `path`.
    public static func combine(_ keyFiles: [String], into path: String) throws {
        var all = Data()
        for file in keyFiles { all.append(try Data(contentsOf: URL(fileURLWithPath: file))) }
        try all.write(to: URL(fileURLWithPath: path))
        // A key file others may read is refused by the daemon, as the install makes none.
        chmod(path, 0o600)
    }

    /// The key name (hex) of the ticket in a session file of `openssl s_client -sess_out`, or
    /// nil when the session has no ticket.
    public static func ticketKeyName(ofSession path: String) throws -> String? {
        ticketKeyName(inSessionText: try runTool("/usr/bin/openssl", ["sess_id", "-in", path, "-noout", "-text"]).output)
    }

    /// The same, from a session as `openssl sess_id -text` or `s_client` print it (s_client
    /// prints the session a TLS 1.2 resumption ends with, renewed ticket included, but does not
    /// write it to `-sess_out`).
    public static func ticketKeyName(inSessionText text: String) -> String? {
        guard let marker = text.range(of: "TLS session ticket:\n") else { return nil }
        var hex = ""
        for line in text[marker.upperBound...].split(separator: "\n").prefix(1) {
            // "    0000 - f5 53 76 29 d9 53 98 76-c3 e4 dc 14 5b 7e 05 34   .Sv)..."
            guard let dash = line.range(of: " - ") else { return nil }
            let bytes = line[dash.upperBound...].prefix(47).replacingOccurrences(of: "-", with: " ")
            hex = bytes.split(separator: " ").joined()
        }
        return hex.count == 32 ? hex : nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
