#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport

/// `leadsd serve` over TLS (the test's self-signed certificate) on a test database, started
/// by DaemonProcess with kernel-chosen ports and ready once `/readyz` answers 200 over HTTPS
/// (every worker accepting, the database reachable).
final class EndToEndDaemon {
    let process = DaemonProcess()
    let certificate: TestCertificate
    var port: UInt16 { process.port }

    /// `readyPath`: `/readyz` (the database is reachable too), or `/healthz` for a daemon
    /// whose database is meant to be down.
    /// `probeSource`/`probeProxyHeader`: where the readiness probe connects from, and the PROXY
    /// header it sends (a `--proxy-protocol` daemon serves only its trusted proxies).
    /// `environment`: variables besides DATABASE_URL (APP_KEY, say).
    init(databaseURL: String, certificate: TestCertificate, arguments: [String], environment: [String: String] = [:],
         readyPath: String = "/readyz", probeSource: String? = nil, probeProxyHeader: [UInt8]? = nil, timeout: TimeInterval = 30) throws {
        self.certificate = certificate
        // DaemonProcess's own health check speaks plain HTTP; this one waits over TLS.
        try process.start(
            arguments: ["--tls-cert", certificate.path, "--tls-key", certificate.keyPath] + arguments,
            environment: environment.merging(["DATABASE_URL": databaseURL]) { $1 }, waitForHealth: false, timeout: timeout)
        let deadline = Date().addingTimeInterval(timeout)
        var last = "no answer"
        while Date() < deadline {
            if process.stderr().contains("\"event\":\"ready\"") {
                do {
                    let probe = try client(from: probeSource)
                    probe.proxyHeader = probeProxyHeader
                    let answer = try probe.request("GET", readyPath)
                    if answer.status == 200 { return }
                    last = "\(answer.status) \(answer.text)"
                } catch {
                    last = "\(error)"
                }
            }
            if let status = process.poll() { throw DaemonProcess.Failure("leadsd exited (\(status)): \(process.stderr())") }
            usleep(50_000)
        }
        process.stop(timeout: 5)
        throw DaemonProcess.Failure("leadsd did not get ready over HTTPS (\(readyPath)) within \(Int(timeout)) s (\(last)): \(process.stderr())")
    }

    /// A new HTTPS client of this daemon, verifying its certificate; `source` is the local
    /// loopback address to connect from (127.0.0.x), which is the client IP the daemon sees.
    func client(from source: String? = nil) throws -> HTTPSClient {
        try HTTPSClient(port: port, trustedCertificate: certificate.path, sourceAddress: source)
    }

    /// The Prometheus text of the metrics listener (plain HTTP, loopback).
    func metrics() -> String {
        DaemonProcess.request(port: process.metricsPort, path: "/metrics")?.body ?? ""
    }

    /// The value of one sample line of `/metrics` (`name{labels}`), 0 when absent.
    func metric(_ sample: String) -> Double {
        for line in metrics().split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1)) ?? 0
        }
        return 0
    }

    func stop() {
        process.stop(timeout: 10)
    }
}
