import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// HMAC-SHA256 under one key, through OpenSSL's EVP_MAC. The key is set once; each message
/// only re-initialises the context, so a MAC costs no provider lookup and no key schedule.
///
///     let mac = HMACSHA256(key: key)
///     mac.authenticate([Array(iv.utf8), Array(value.utf8)])   // 32 bytes
///
/// Not Sendable: the context is mutated by every call; use one instance from one thread
/// (a worker's queue).
public final class HMACSHA256 {
    private let context: OpaquePointer

    public init(key: [UInt8]) {
        let algorithm = EVP_MAC_fetch(nil, "HMAC", nil)
        defer { EVP_MAC_free(algorithm) }
        guard let algorithm, let context = EVP_MAC_CTX_new(algorithm) else {
            preconditionFailure("OpenSSL has no HMAC")
        }
        // OSSL_PARAM keeps the pointers it is given: both strings must outlive EVP_MAC_init.
        let name = strdup(OSSL_MAC_PARAM_DIGEST), digest = strdup("SHA256")
        defer { free(name); free(digest) }
        var parameters = [OSSL_PARAM_construct_utf8_string(name, digest, 0), OSSL_PARAM_construct_end()]
        let ready = key.withUnsafeBufferPointer { EVP_MAC_init(context, $0.baseAddress, $0.count, &parameters) }
        precondition(ready == 1, "OpenSSL cannot key HMAC-SHA256")
        self.context = context
    }

    deinit { EVP_MAC_CTX_free(context) }

    /// The MAC of the concatenation of `parts`.
    public func authenticate(_ parts: [[UInt8]]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length = 0
        // A NULL key keeps the key set in init (EVP_MAC_init(3)).
        var ok = EVP_MAC_init(context, nil, 0, nil) == 1
        for part in parts where ok && !part.isEmpty {
            ok = part.withUnsafeBufferPointer { EVP_MAC_update(context, $0.baseAddress, $0.count) } == 1
        }
        if ok { ok = EVP_MAC_final(context, &output, &length, output.count) == 1 }
        precondition(ok && length == 32, "OpenSSL HMAC-SHA256 failed")
        return output
    }
}
