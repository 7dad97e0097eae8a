/// What this binary is: its version (changed here for a release) and the git commit it was
/// built from (embedded by BuildInfoPlugin; `unknown` when built without git).
///
///     leadsd --version        →  leadsd 0.9.0 (commit 1a2b3c4d5e6f)
///     GET /metrics            →  leadsd_build_info{version="0.9.0",commit="1a2b3c4d5e6f"} 1
enum BuildInfo {
    static let version = "0.9.0"
    static let commit = GeneratedBuildInfo.commit

    static var versionLine: String { "leadsd \(version) (commit \(commit))" }
}
