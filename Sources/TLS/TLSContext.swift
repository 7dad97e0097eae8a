import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A server TLS context, made once in the master before fork so every worker shares its
/// certificate, session-ticket keys and settings (resumption works whichever worker a
/// returning client lands on).
///
/// Settings: TLS 1.2 and 1.3 only; ECDHE with AEAD ciphers for 1.2 (server preference);
/// groups X25519, P-256, P-384; ALPN selects `http/1.1`; no compression or renegotiation.
public final class TLSContext: @unchecked Sendable {
    // @unchecked Sendable: the SSL_CTX is configured completely in init and only read after;
    // OpenSSL locks its own session cache, so sharing it between SSL objects is safe.
    let ctx: OpaquePointer

    /// The length of a ticket-key file: 16 bytes key name, 32 bytes HMAC key, 32 bytes AES key
    /// (the layout OpenSSL's SSL_CTX_set_tlsext_ticket_keys and nginx use; make one with
    /// `openssl rand 80 > ticket.key`).
    public static let ticketKeyLength = 80

    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    static let tls13Ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// - Parameters:
    ///   - certificateChainFile: PEM, the leaf first, then intermediates.
    ///   - privateKeyFile: PEM private key of the leaf.
    ///   - ticketKeyFile: 80 bytes shared by all hosts behind the balancer so tickets issued
    ///     by one host resume on another; nil makes a random key here, which the forked
    ///     workers of this process share.
    public init(certificateChainFile: String, privateKeyFile: String, ticketKeyFile: String? = nil) throws {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new failed") }
        self.ctx = ctx
        guard leadsd_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1,
              leadsd_SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 else {
            throw TLSError("cannot restrict protocol versions")
        }
        leadsd_SSL_CTX_set_server_options(ctx)
        _ = leadsd_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
            | SSL_MODE_RELEASE_BUFFERS))
        guard SSL_CTX_set_cipher_list(ctx, Self.tls12Ciphers) == 1,
              SSL_CTX_set_ciphersuites(ctx, Self.tls13Ciphersuites) == 1 else {
            throw TLSError("cannot set ciphers")
        }
        guard leadsd_SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") == 1 else {
            throw TLSError("cannot set groups")
        }
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateChainFile) == 1 else {
            throw TLSError("cannot load certificate chain \(certificateChainFile)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, privateKeyFile, leadsd_SSL_FILETYPE_PEM()) == 1 else {
            throw TLSError("cannot load private key \(privateKeyFile)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSError("private key does not match the certificate")
        }
        SSL_CTX_set_alpn_select_cb(ctx, selectHTTP11, nil)

        // Sessions: a server-side cache (per process after fork) plus stateless tickets,
        // which are what makes resumption work across workers and hosts.
        let sessionContext = Array("leadsd".utf8)
        _ = SSL_CTX_set_session_id_context(ctx, sessionContext, UInt32(sessionContext.count))
        _ = leadsd_SSL_CTX_set_session_cache_mode(ctx, leadsd_SSL_SESS_CACHE_SERVER())
        _ = leadsd_SSL_CTX_sess_set_cache_size(ctx, 20_000)
        _ = SSL_CTX_set_timeout(ctx, 3600)
        var keys = try ticketKeyFile.map(Self.readTicketKeys) ?? Self.randomTicketKeys()
        defer { OPENSSL_cleanse(&keys, keys.count) }
        guard leadsd_SSL_CTX_set_tlsext_ticket_keys(ctx, &keys, keys.count) == 1 else {
            throw TLSError("cannot set session ticket keys")
        }
    }

    deinit { SSL_CTX_free(ctx) }

    static func readTicketKeys(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TLSError("cannot open ticket key file \(path)") }
        defer { close(fd) }
        var keys = [UInt8](repeating: 0, count: ticketKeyLength + 1)
        var total = 0
        while total < keys.count {
            let n = keys.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw TLSError("cannot read ticket key file \(path)") }
            if n == 0 { break }
            total += n
        }
        guard total == ticketKeyLength else {
            throw TLSError("ticket key file \(path) must hold exactly \(ticketKeyLength) bytes (openssl rand 80)")
        }
        keys.removeLast()
        return keys
    }

    static func randomTicketKeys() throws -> [UInt8] {
        var keys = [UInt8](repeating: 0, count: ticketKeyLength)
        guard RAND_bytes(&keys, Int32(keys.count)) == 1 else { throw TLSError("RAND_bytes failed") }
        return keys
    }
}

/// ALPN: choose `http/1.1` when offered. A client offering only other protocols gets no ALPN
/// answer (NOACK) rather than an alert, and then speaks HTTP/1.1 or fails on its own terms.
private let selectHTTP11: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?, UnsafeMutablePointer<UInt8>?,
    UnsafePointer<UInt8>?, UInt32, UnsafeMutableRawPointer?
) -> Int32 = { _, out, outLength, offered, offeredLength, _ in
    guard let out, let outLength, let offered else { return leadsd_SSL_TLSEXT_ERR_NOACK() }
    let wanted: [UInt8] = Array("http/1.1".utf8)
    var index = 0
    let total = Int(offeredLength)
    while index < total {
        let length = Int(offered[index])
        let start = index + 1
        guard start + length <= total else { break }
        if length == wanted.count {
            var same = true
            for k in 0..<length where offered[start + k] != wanted[k] { same = false; break }
            if same {
                out.pointee = offered + start
                outLength.pointee = UInt8(length)
                return leadsd_SSL_TLSEXT_ERR_OK()
            }
        }
        index = start + length
    }
    return leadsd_SSL_TLSEXT_ERR_NOACK()
}
