import Foundation

/// Values as Laravel's `encrypt()` stores them (Illuminate\Encryption\Encrypter), made by an
/// implementation independent of leadsd: Debian's `/usr/bin/python3` with python3-cryptography.
///
///     let key = LaravelCiphertext.newKey()                       // 32 random bytes
///     let stored = try LaravelCiphertext.encrypt(["Jane"], key: key)[0]   // "eyJpdiI6…"
///     LaravelCiphertext.appKey(key)                               // "base64:…" for APP_KEY
///
/// Per value, as Laravel does: PHP-serialize the string (`s:<bytes>:"…";`), encrypt it under
/// a random IV, then base64 of the JSON `{"iv","value","mac","tag"}`. CBC: PKCS#7 padding,
/// `mac` = hex HMAC-SHA256 over base64(iv) ‖ base64(ciphertext), `tag` "". GCM: 12-byte IV,
/// `tag` the 16-byte tag, `mac` "".
public enum LaravelCiphertext {
    public enum Mode: String, Sendable {
        case cbc, gcm
    }

    /// How a value departs from what Laravel writes, for the failure cases.
    public enum Variant: String, Sendable {
        case laravel
        /// One hex digit of the MAC changed.
        case wrongMAC = "wrong_mac"
        /// One byte of the ciphertext changed after the MAC/tag was made.
        case tamperedValue = "tampered_value"
        /// Encrypted without PHP serialization (Laravel's `encryptString`).
        case unserialized
        /// The JSON written with `\/` for `/`, as json_encode did before JSON_UNESCAPED_SLASHES.
        case escapedSlashes = "escaped_slashes"
    }

    public static let python = "/usr/bin/python3"

    public static func newKey(bytes: Int = 32) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// The key as APP_KEY holds it.
    public static func appKey(_ key: [UInt8]) -> String { "base64:" + Data(key).base64EncodedString() }

    public static func encrypt(_ values: [String], key: [UInt8], mode: Mode = .cbc, variant: Variant = .laravel) throws -> [String] {
        let request: [[String: String]] = values.map {
            ["key": Data(key).base64EncodedString(), "value": $0, "mode": mode.rawValue, "variant": variant.rawValue]
        }
        let input = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let stored = try JSONSerialization.jsonObject(with: output) as? [String],
              stored.count == values.count else {
            throw DaemonProcess.Failure("\(python) (python3-cryptography) failed: \(errors)")
        }
        return stored
    }

    private static let script = #"""
import base64, hashlib, hmac, json, os, sys
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def b64(data):
    return base64.b64encode(data).decode()

out = []
for item in json.load(sys.stdin):
    key = base64.b64decode(item["key"])
    plain = item["value"].encode()
    if item["variant"] != "unserialized":
        plain = b's:%d:"%s";' % (len(plain), plain)
    if item["mode"] == "cbc":
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
        mac = hmac.new(key, (b64(iv) + b64(ciphertext)).encode(), hashlib.sha256).hexdigest()
        tag = b""
    else:
        iv = os.urandom(12)
        sealed = AESGCM(key).encrypt(iv, plain, None)
        ciphertext, tag, mac = sealed[:-16], sealed[-16:], ""
    if item["variant"] == "tampered_value":
        ciphertext = bytes([ciphertext[0] ^ 1]) + ciphertext[1:]
    if item["variant"] == "wrong_mac":
        mac = ("0" if mac[0] != "0" else "1") + mac[1:]
    text = json.dumps({"iv": b64(iv), "value": b64(ciphertext), "mac": mac, "tag": b64(tag)}, separators=(",", ":"))
    if item["variant"] == "escaped_slashes":
        text = text.replace("/", "\\/")
    out.append(b64(text.encode()))
json.dump(out, sys.stdout)
"""#
}
