#if canImport(Glibc)
import Glibc
#endif

/// Resolves the database host names of a connection string before libpq sees it, so that the
/// DNS lookup (a blocking getaddrinfo inside PQconnectStart/PQconnectPoll) runs on a thread of
/// its own instead of the worker's queue, where a slow resolver would stop every request.
///
/// libpq is then given each address as `hostaddr` next to its name as `host`: it connects to
/// the address without a lookup and still uses the name for TLS (SNI, `verify-full`) and for
/// the password file. A name with several addresses becomes as many host entries (same name,
/// same port), tried in the resolver's order as libpq would; a list of hosts (`host=a,b`,
/// `postgresql://a:5432,b:5433/db`) keeps its order. Socket paths, numeric addresses and
/// strings that already give `hostaddr` or take their host from a service file are left to
/// libpq: they need no lookup here.
///
///     if let plan = HostResolution.plan("postgresql://leadsd@db.internal/crm") {
///         let parameters = try HostResolution.resolve(plan).get()   // off the event loop
///         // [("user", "leadsd"), ("dbname", "crm"), ("host", "db.internal"), ("hostaddr", "10.0.0.7")]
///     }
enum HostResolution {
    /// What a connection string leaves to resolve.
    struct Plan: Sendable, Equatable {
        /// Every parameter the string sets, but host, hostaddr and port.
        var options: [Parameter]
        var hosts: [String]
        /// None (libpq's default), one for every host, or one per host.
        var ports: [String]
    }

    struct Parameter: Sendable, Equatable {
        var key: String
        var value: String
    }

    /// The addresses (numeric text) of a host name, or why there are none.
    typealias Lookup = @Sendable (String) -> Result<[String], LookupFailure>

    struct LookupFailure: Error, Equatable {
        let message: String
    }

    /// Nil when nothing needs resolving (or the string is malformed: libpq reports that).
    /// `environment` gives libpq's PGHOST, PGHOSTADDR, PGPORT and PGSERVICE defaults.
    static func plan(_ connectionString: String, environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }) -> Plan? {
        guard let parsed = try? ConnectionString.parse(connectionString) else { return nil }
        func value(_ key: String) -> String? { parsed.last { $0.key == key }?.value }
        func setting(_ key: String, _ variable: String) -> String? {
            if let given = value(key) { return given }
            return environment(variable)
        }
        if let hostaddr = setting("hostaddr", "PGHOSTADDR"), !hostaddr.isEmpty { return nil }
        guard let hostList = setting("host", "PGHOST") else {
            return nil  // the default socket, or a service file's host: nothing to resolve here
        }
        if value("host") == nil, value("service") != nil || environment("PGSERVICE") != nil { return nil }
        let hosts = hostList.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard hosts.contains(where: needsLookup) else { return nil }
        let ports = setting("port", "PGPORT").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        guard ports.count <= 1 || ports.count == hosts.count else { return nil }  // libpq's own error
        let options = parsed.filter { !["host", "hostaddr", "port"].contains($0.key) }.map { Parameter(key: $0.key, value: $0.value) }
        return Plan(options: options, hosts: hosts, ports: ports)
    }

    /// A host entry libpq would look up: not empty, not a socket directory, not numeric.
    static func needsLookup(_ host: String) -> Bool {
        guard let first = host.first, first != "/", first != "@" else { return false }
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) != 1 && inet_pton(AF_INET6, host, &v6) != 1
    }

    /// The parameters to connect with: `plan.options` plus host, hostaddr and port lists of the
    /// same length. Blocks for as long as the resolver takes: never call on an event loop.
    /// Names that do not resolve are left out; when none is left, the error names them.
    static func resolve(_ plan: Plan, lookup: Lookup = systemLookup) -> Result<[Parameter], PostgresError> {
        var hosts: [String] = [], addresses: [String] = [], ports: [String] = []
        var failures: [String] = []
        for (index, host) in plan.hosts.enumerated() {
            let port = plan.ports.count == plan.hosts.count ? plan.ports[index] : (plan.ports.first ?? "")
            guard needsLookup(host) else {
                hosts.append(host); addresses.append(""); ports.append(port)
                continue
            }
            switch lookup(host) {
            case .success(let found) where !found.isEmpty:
                for address in found {
                    hosts.append(host); addresses.append(address); ports.append(port)
                }
            case .success:
                failures.append("could not translate host name \"\(host)\" to address: no address")
            case .failure(let failure):
                failures.append("could not translate host name \"\(host)\" to address: \(failure.message)")
            }
        }
        guard !hosts.isEmpty else {
            return .failure(PostgresError(kind: .connect, message: failures.joined(separator: "; ")))
        }
        var parameters = plan.options
        parameters.append(Parameter(key: "host", value: hosts.joined(separator: ",")))
        parameters.append(Parameter(key: "hostaddr", value: addresses.joined(separator: ",")))
        if plan.ports.count == 1 {
            parameters.append(Parameter(key: "port", value: plan.ports[0]))
        } else if !plan.ports.isEmpty {
            parameters.append(Parameter(key: "port", value: ports.joined(separator: ",")))
        }
        return .success(parameters)
    }

    /// getaddrinfo as libpq calls it (any family, stream sockets), addresses deduplicated in
    /// the resolver's order.
    static let systemLookup: Lookup = { host in
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return .failure(LookupFailure(message: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [String] = []
        var entry = list
        while let current = entry {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return .success(addresses)
    }
}
