// Helpers shared by the test targets: throwaway databases, a running daemon.
public enum TestSupportPlaceholder {}
