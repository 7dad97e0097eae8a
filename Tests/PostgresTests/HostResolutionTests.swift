import Foundation
@testable import Postgres
import TestSupport
import XCTest

/// HostResolution: which connection strings need a lookup before libpq, and the host,
/// hostaddr and port lists libpq is then given.
final class HostResolutionTests: XCTestCase {
    private let noEnvironment: (String) -> String? = { _ in nil }

    private func plan(_ string: String, environment: [String: String] = [:]) -> HostResolution.Plan? {
        HostResolution.plan(string, environment: { environment[$0] })
    }

    private func dictionary(_ parameters: [HostResolution.Parameter]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.key, $0.value) })
    }

    func testOnlyHostNamesNeedALookup() {
        XCTAssertNil(plan("postgresql://u@127.0.0.1:5432/db"), "numeric IPv4")
        XCTAssertNil(plan("postgresql://u@[::1]:5432/db"), "numeric IPv6")
        XCTAssertNil(plan("host=/var/run/postgresql dbname=crm"), "socket directory")
        XCTAssertNil(plan("dbname=crm"), "the default socket")
        XCTAssertNil(plan("host=db.internal hostaddr=10.0.0.7 dbname=crm"), "hostaddr given")
        XCTAssertNil(plan("host=db.internal dbname=crm", environment: ["PGHOSTADDR": "10.0.0.7"]), "PGHOSTADDR given")
        XCTAssertNil(plan("service=crm"), "the service file's host is libpq's business")
        XCTAssertNil(plan("postgresql://[::1"), "malformed: libpq reports it")
        XCTAssertEqual(plan("dbname=crm", environment: ["PGHOST": "db.internal"])?.hosts, ["db.internal"], "PGHOST")
        XCTAssertEqual(plan("postgresql://u@db.internal/crm")?.hosts, ["db.internal"])
    }

    func testEveryAddressOfEveryHostBecomesAnEntryWithItsNameAndPort() throws {
        let plan = try XCTUnwrap(plan("postgresql://leadsd:pw@db1:5433,db2:5434,[::1]:5435/crm?sslmode=verify-full&connect_timeout=3"))
        let lookup: HostResolution.Lookup = { name in
            switch name {
            case "db1": .success(["10.0.0.1", "fd00::1"])
            case "db2": .success(["10.0.0.2"])
            default: .failure(.init(message: "unexpected \(name)"))
            }
        }
        let parameters = dictionary(try HostResolution.resolve(plan, lookup: lookup).get())
        XCTAssertEqual(parameters["host"], "db1,db1,db2,::1")
        XCTAssertEqual(parameters["hostaddr"], "10.0.0.1,fd00::1,10.0.0.2,")
        XCTAssertEqual(parameters["port"], "5433,5433,5434,5435")
        XCTAssertEqual(parameters["dbname"], "crm")
        XCTAssertEqual(parameters["user"], "leadsd")
        XCTAssertEqual(parameters["password"], "pw")
        XCTAssertEqual(parameters["sslmode"], "verify-full", "TLS still verifies the name, which stays in host")
        XCTAssertEqual(parameters["connect_timeout"], "3")
    }

    func testOnePortStaysOneAndNamesThatDoNotResolveAreLeftOut() throws {
        let plan = try XCTUnwrap(plan("host=/tmp,gone,db port=6000 dbname=x"))
        let lookup: HostResolution.Lookup = { $0 == "db" ? .success(["10.0.0.9"]) : .failure(.init(message: "Name or service not known")) }
        let parameters = dictionary(try HostResolution.resolve(plan, lookup: lookup).get())
        XCTAssertEqual(parameters["host"], "/tmp,db")
        XCTAssertEqual(parameters["hostaddr"], ",10.0.0.9")
        XCTAssertEqual(parameters["port"], "6000")

        let nothing = try XCTUnwrap(self.plan("postgresql://u@gone/x"))
        guard case .failure(let error) = HostResolution.resolve(nothing, lookup: { _ in .failure(.init(message: "Name or service not known")) }) else {
            return XCTFail("no address at all must fail")
        }
        XCTAssertEqual(error.kind, .connect)
        XCTAssertEqual(error.message, #"could not translate host name "gone" to address: Name or service not known"#)
    }

    /// The real resolver (localhost comes from /etc/hosts), and libpq connecting with what it
    /// produced: the server sees the connection from the loopback address that was resolved.
    func testAResolvedLocalhostConnects() throws {
        let database = try TestDatabase(prefix: "host_resolution")
        defer { database.drop() }
        let url = try XCTUnwrap(database.url.range(of: "@127.0.0.1:").map { database.url.replacingCharacters(in: $0, with: "@localhost:") },
                                "the test database URL must name 127.0.0.1: \(database.url)")
        let plan = try XCTUnwrap(HostResolution.plan(url, environment: noEnvironment))
        let parameters = try HostResolution.resolve(plan).get()
        let addresses = try XCTUnwrap(dictionary(parameters)["hostaddr"]).split(separator: ",").map(String.init)
        XCTAssertTrue(addresses.contains("127.0.0.1"), "\(addresses)")
        let keyValue = parameters.map { "\($0.key)=\(ConnectionString.quote($0.value))" }.joined(separator: " ")
        let connection = try BlockingConnection(connectionString: keyValue)
        defer { connection.close() }
        let server = try connection.execute("SELECT host(inet_server_addr())").rows.first?.first?.string
        XCTAssertTrue(addresses.contains(server ?? "none"), "connected to \(server ?? "nil") of \(addresses)")
    }
}
