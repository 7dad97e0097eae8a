/// The OpenAPI 3.1 document of contract.md, served at `GET {base}/openapi.json` without a
/// token. Its one source is `openapi.json` beside this file, compiled in by SwiftPM
/// (`.embedInCode` in Package.swift, read through the generated `PackageResources`), so an
/// installed binary needs no file next to it. Edit the JSON file, and keep
/// OpenAPIDocumentTests (every route, method and status the code answers) and
/// `.ci/schemathesis` (the running server against the document) passing.
public enum OpenAPIDocument {
    /// The `servers` url the file is written for: the default route prefix `crm`.
    static let defaultBasePath = "/crm/api/v2"

    /// The document for a route prefix: the file with its `servers` url naming `basePath`
    /// (paths in the document are relative to that url).
    public static func bytes(basePath: String) -> [UInt8] {
        let file = PackageResources.openapi_json
        guard basePath != defaultBasePath else { return file }
        let text = String(decoding: file, as: UTF8.self)
        return Array(text.replacing("\"url\": \"\(defaultBasePath)\"", with: "\"url\": \"\(basePath)\"").utf8)
    }
}
