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
/// Session tickets are sealed and opened with the keys of a `TicketKeyRing`, which may be
/// shared by several contexts (one per reload) and rotates.
///
///     let keys = try TicketKeyRing()
///     let context = try TLSContext(certificateChainFile: "fullchain.pem", privateKeyFile: "key.pem", ticketKeys: keys)
public final class TLSContext: @unchecked Sendable {
    // @unchecked Sendable: the SSL_CTX is configured completely in init and only read after;
    // OpenSSL locks its own session cache, so sharing it between SSL objects is safe; the
    // ticket keys are the ring's (see TicketKeyRing).
    let ctx: OpaquePointer
    /// Kept alive for the ticket callback, which finds it through the context's app data.
    public let ticketKeys: TicketKeyRing

    static let tls12Ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
        + "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
    static let tls13Ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    /// A context with a ring of its own: the keys of `ticketKeyFile` (see
    /// `TicketKeyRing.keys(inFile:)`), or one random key, which the forked workers of this
    /// process share.
    public convenience init(certificateChainFile: String, privateKeyFile: String, ticketKeyFile: String? = nil) throws {
        let ring = try TicketKeyRing()
        if let ticketKeyFile {
            var keys = try TicketKeyRing.keys(inFile: ticketKeyFile)
            ring.install(keys)
            TicketKeyRing.erase(&keys)
        }
        try self.init(certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile, ticketKeys: ring)
    }

    /// - Parameters:
    ///   - certificateChainFile: PEM, the leaf first, then intermediates.
    ///   - privateKeyFile: PEM private key of the leaf.
    ///   - ticketKeys: the keys that seal and open session tickets.
    public init(certificateChainFile: String, privateKeyFile: String, ticketKeys: TicketKeyRing) throws {
        ERR_clear_error()
        guard let ctx = SSL_CTX_new(TLS_server_method()) else { throw TLSError("SSL_CTX_new failed") }
        self.ctx = ctx
        self.ticketKeys = ticketKeys
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
        guard SSL_CTX_set_ex_data(ctx, 0, Unmanaged.passUnretained(ticketKeys).toOpaque()) == 1,
              SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, sealOrOpenTicket) == 1 else {
            throw TLSError("cannot set the session ticket callback")
        }
    }

    deinit { SSL_CTX_free(ctx) }
}

/// OpenSSL's ticket callback: `encrypt` 1 seals a new ticket with the ring's current key
/// (its name, a random IV); 0 opens one by its key name: 1 with the current key, 2 with an
/// older one (valid, and OpenSSL replaces it with a ticket of the current key), 0 when no key
/// has that name (the ticket is ignored: a full handshake), -1 on error.
private let sealOrOpenTicket: @convention(c) (
    OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt8>?, OpaquePointer?, OpaquePointer?, Int32
) -> Int32 = { ssl, name, iv, cipher, mac, encrypt in
    guard let ssl, let name, let iv, let cipher, let mac, let ctx = SSL_get_SSL_CTX(ssl),
          let ring = SSL_CTX_get_ex_data(ctx, 0) else { return -1 }
    let keys = Unmanaged<TicketKeyRing>.fromOpaque(ring).takeUnretainedValue()
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TicketKeyRing.keyLength) { buffer -> Int32 in
        let key = buffer.baseAddress!
        defer { OPENSSL_cleanse(key, TicketKeyRing.keyLength) }
        if encrypt == 1 {
            guard keys.copyKey(named: nil, into: key).found, RAND_bytes(iv, 16) == 1 else { return -1 }
            name.update(from: key, count: 16)
            return leadsd_ticket_key_init(cipher, mac, key + 16, key + 48, iv, 1) == 1 ? 1 : -1
        }
        let (found, isCurrent) = keys.copyKey(named: UnsafePointer(name), into: key)
        guard found else { return 0 }
        guard leadsd_ticket_key_init(cipher, mac, key + 16, key + 48, iv, 0) == 1 else { return -1 }
        return isCurrent ? 1 : 2
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
