#ifndef LEADSD_COPENSSL_SHIM_H
#define LEADSD_COPENSSL_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

// OpenSSL's function-like macros are invisible to Swift; each one used is wrapped here.
static inline long leadsd_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long leadsd_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
static inline long leadsd_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}
static inline long leadsd_SSL_CTX_set_options(SSL_CTX *ctx, long options) {
    return (long)SSL_CTX_set_options(ctx, (uint64_t)options);
}
static inline long leadsd_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
// Server-side TLS setup (TLS module). SSL_OP_* are SSL_OP_BIT(n) expressions Swift cannot import.
static inline void leadsd_SSL_CTX_set_server_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION
                        | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
}
static inline long leadsd_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_groups_list(ctx, list);
}
// The session-ticket callback's cipher and MAC set up as OpenSSL's own tickets are:
// AES-256-CBC and HMAC-SHA256 (an OSSL_PARAM array, awkward to build from Swift).
static inline int leadsd_ticket_key_init(EVP_CIPHER_CTX *cipher, EVP_MAC_CTX *mac, const unsigned char *hmac_key,
                                         const unsigned char *aes_key, unsigned char *iv, int encrypt) {
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)hmac_key, 32);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(mac, params) != 1) return 0;
    if (encrypt) return EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), NULL, aes_key, iv);
    return EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), NULL, aes_key, iv);
}
static inline long leadsd_SSL_CTX_sess_set_cache_size(SSL_CTX *ctx, long size) {
    return SSL_CTX_sess_set_cache_size(ctx, size);
}
static inline int leadsd_SSL_FILETYPE_PEM(void) { return SSL_FILETYPE_PEM; }
static inline long leadsd_SSL_SESS_CACHE_SERVER(void) { return SSL_SESS_CACHE_SERVER; }
static inline int leadsd_SSL_TLSEXT_ERR_OK(void) { return SSL_TLSEXT_ERR_OK; }
static inline int leadsd_SSL_TLSEXT_ERR_NOACK(void) { return SSL_TLSEXT_ERR_NOACK; }
#endif
