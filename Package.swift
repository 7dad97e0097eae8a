// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; each target imports only those below it (see README, "Layout").
let package = Package(
    name: "leadsd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "leadsd", targets: ["leadsd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Layer 1: C libraries, module maps only.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCrypt", pkgConfig: "libxcrypt", providers: [.apt(["libcrypt-dev"])]),

        // Layer 2: database, TLS, and the cross-process metrics region.
        .target(name: "Metrics"),
        .target(name: "Postgres", dependencies: ["CLibPQ", "Metrics"]),
        // The sql/ migrations, compiled into the binary by the EmbedSQL plugin, and their runner.
        .target(name: "Migrations", dependencies: ["Postgres"], exclude: ["sql"], plugins: ["EmbedSQLPlugin"]),
        .target(name: "TLS", dependencies: ["COpenSSL"]),

        // Layer 3: HTTP/1.1 parser, connection state machine, worker server loop.
        .target(name: "HTTP", dependencies: ["TLS", "Metrics"]),

        // Layer 4: the Leads API itself.
        .target(
            name: "LeadsAPI",
            dependencies: ["HTTP", "Postgres", "Metrics", "CCrypt", "COpenSSL"],
            // Served at /{prefix}/api/v2/openapi.json; the file in the repository is the source.
            resources: [.embedInCode("OpenAPI/openapi.json")]
        ),

        // Layer 5: command line, configuration, master and workers.
        .executableTarget(
            name: "leadsd",
            dependencies: [
                "LeadsAPI", "HTTP", "Postgres", "TLS", "Metrics", "Migrations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The git commit, for --version and leadsd_build_info.
            plugins: ["BuildInfoPlugin"]
        ),

        // Build-time only: turns every sql/NNN_name.sql into a Swift string constant, so an
        // installed binary carries its migrations and nobody registers a file in code.
        .executableTarget(name: "EmbedSQL", path: "Sources/Build/EmbedSQL"),
        .plugin(name: "EmbedSQLPlugin", capability: .buildTool(), dependencies: ["EmbedSQL"], path: "Sources/Build/EmbedSQLPlugin"),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool(), path: "Sources/Build/BuildInfoPlugin"),

        // Shared by the test targets: throwaway databases, launching the daemon, an HTTPS client.
        .target(name: "TestSupport", dependencies: ["Postgres", "Migrations", "COpenSSL"], path: "Tests/TestSupport"),

        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "TestSupport"]),
        .testTarget(name: "TLSTests", dependencies: ["TLS"]),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "TLS", "TestSupport"]),
        .testTarget(name: "LeadsAPITests", dependencies: ["LeadsAPI", "HTTP", "Postgres", "Migrations", "TestSupport"]),
        .testTarget(name: "leadsdTests", dependencies: ["leadsd", "Postgres", "Migrations", "TestSupport", "LeadsAPI"]),
        // Black-box: real HTTPS to a real `leadsd serve` on a real database; no leadsd module.
        .testTarget(name: "EndToEndTests", dependencies: ["Postgres", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
