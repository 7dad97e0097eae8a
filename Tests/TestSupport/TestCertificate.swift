import Foundation

/// A self-signed certificate for `127.0.0.1` and `localhost`, made by the `openssl` command
/// line tool in a fresh temporary folder: what an operator would hand `--tls-cert`/`--tls-key`,
/// and what `HTTPSClient` trusts (`path`), so the client verifies the daemon it talks to.
public final class TestCertificate: Sendable {
    public let directory: String
    /// The certificate, PEM (also the client's only trust anchor).
    public let path: String
    public let keyPath: String

    public init(commonName: String = "leadsd-e2e") throws {
        directory = NSTemporaryDirectory() + "leadsd-cert-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/server.crt"
        keyPath = directory + "/server.key"
        let result = try runTool("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", path, "-days", "2", "-subj", "/CN=\(commonName)",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        guard result.status == 0, FileManager.default.fileExists(atPath: path) else {
            throw DaemonProcess.Failure("openssl req failed (\(result.status)): \(result.output)")
        }
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
