// The cross-process metrics region (shared memory mapped by the master before fork).
// Owned by the server-core issue; see MetricsRegion.
public enum MetricsPlaceholder {}
