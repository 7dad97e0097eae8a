#if canImport(Glibc)
import Glibc
#endif

/// A numeric `HOST:PORT` (`127.0.0.1:8443`, `[::1]:8443`, `0.0.0.0:8443`, `localhost:8443`).
/// Names other than localhost are refused: resolving them would make the start depend on DNS.
struct ListenAddress: Equatable, Sendable, CustomStringConvertible {
    enum Family: Sendable { case ipv4, ipv6 }
    let family: Family
    let host: String
    let port: UInt16

    var description: String { family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    init(parsing text: String) throws(ConfigurationError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError("'\(text)' is not [IPv6]:PORT")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ConfigurationError("'\(text)' is not HOST:PORT") }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        // Port 0 lets the kernel choose (tests); the master logs the port it got.
        guard let port = UInt16(portPart) else { throw ConfigurationError("'\(text)': port must be 0-65535") }
        var host = String(hostPart)
        if host == "localhost" { host = "127.0.0.1" }
        if host.isEmpty || host == "*" { host = "0.0.0.0" }
        if Self.isIPv4(host) {
            family = .ipv4
        } else if Self.isIPv6(host) {
            family = .ipv6
        } else {
            throw ConfigurationError("'\(text)': host must be a numeric IPv4 or [IPv6] address")
        }
        self.host = host
        self.port = port
    }

    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}

/// A configuration problem, reported as one line on stderr.
struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
