import COpenSSL

/// AES decryption through OpenSSL's EVP interface: CBC with PKCS#7 padding, and GCM with its
/// 16-byte tag, for 16- and 32-byte keys (AES-128, AES-256).
///
///     let aes = AESDecryptor(keyLength: 32)
///     aes.decryptCBC(ciphertext, key: key, iv: iv)              // nil: wrong key or padding
///     aes.decryptGCM(ciphertext, key: key, iv: iv12, tag: tag)   // nil: the tag does not match
///
/// The algorithms are fetched once and one context is reused. Not Sendable: every call
/// mutates that context; use one instance from one thread (a worker's queue).
public final class AESDecryptor {
    public let keyLength: Int
    private let cbc: OpaquePointer
    private let gcm: OpaquePointer
    private let context: OpaquePointer

    public init(keyLength: Int) {
        precondition(keyLength == 16 || keyLength == 32, "AES keys are 16 or 32 bytes")
        self.keyLength = keyLength
        let bits = keyLength * 8
        guard let cbc = EVP_CIPHER_fetch(nil, "AES-\(bits)-CBC", nil), let gcm = EVP_CIPHER_fetch(nil, "AES-\(bits)-GCM", nil),
              let context = EVP_CIPHER_CTX_new() else {
            preconditionFailure("OpenSSL has no AES-\(bits)")
        }
        self.cbc = cbc
        self.gcm = gcm
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
        EVP_CIPHER_free(cbc)
        EVP_CIPHER_free(gcm)
    }

    public func decryptCBC(_ ciphertext: [UInt8], key: [UInt8], iv: [UInt8]) -> [UInt8]? {
        guard iv.count == 16 else { return nil }
        return run(cbc, ciphertext, key: key, iv: iv, tag: nil)
    }

    /// `iv` is GCM's usual 12 bytes (what PHP's openssl_encrypt uses for AES-GCM).
    public func decryptGCM(_ ciphertext: [UInt8], key: [UInt8], iv: [UInt8], tag: [UInt8]) -> [UInt8]? {
        guard iv.count == 12, tag.count == 16 else { return nil }
        return run(gcm, ciphertext, key: key, iv: iv, tag: tag)
    }

    private func run(_ cipher: OpaquePointer, _ input: [UInt8], key: [UInt8], iv: [UInt8], tag: [UInt8]?) -> [UInt8]? {
        let plaintext = attempt(cipher, input, key: key, iv: iv, tag: tag)
        // A wrong key shows as bad padding (CBC) or a tag mismatch (GCM), and OpenSSL queues an
        // error for it. Left there, it would be taken for the cause of the worker thread's next
        // TLS failure (SSL_get_error reads the same per-thread queue).
        if plaintext == nil { ERR_clear_error() }
        return plaintext
    }

    private func attempt(_ cipher: OpaquePointer, _ input: [UInt8], key: [UInt8], iv: [UInt8], tag: [UInt8]?) -> [UInt8]? {
        guard key.count == keyLength, input.count < Int(Int32.max) - 32 else { return nil }
        guard EVP_DecryptInit_ex2(context, cipher, key, iv, nil) == 1 else { return nil }
        // CBC's final block may add nothing but never more than the input; one spare block.
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        if !input.isEmpty {
            let updated = output.withUnsafeMutableBufferPointer { out in
                input.withUnsafeBufferPointer { EVP_DecryptUpdate(context, out.baseAddress, &written, $0.baseAddress, Int32($0.count)) }
            }
            guard updated == 1 else { return nil }
        }
        if var tag {
            let set = tag.withUnsafeMutableBufferPointer {
                EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32($0.count), $0.baseAddress)
            }
            guard set == 1 else { return nil }
        }
        var finished: Int32 = 0
        let final = output.withUnsafeMutableBufferPointer { EVP_DecryptFinal_ex(context, $0.baseAddress! + Int(written), &finished) }
        guard final == 1 else { return nil }
        output.removeSubrange(Int(written + finished)...)
        return output
    }
}
