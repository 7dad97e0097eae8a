import COpenSSL
// TLS over a non-blocking file descriptor; owned by the server-core issue.
public enum TLSPlaceholder {}
