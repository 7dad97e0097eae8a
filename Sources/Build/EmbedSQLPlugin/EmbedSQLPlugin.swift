import Foundation
import PackagePlugin

/// Compiles every `sql/NNN_name.sql` of the package into the target as a Swift constant.
///
/// Why a build plugin: the binary must migrate wherever it is installed (no sql/ folder next
/// to it), and helpers add migration files without registering them anywhere in code. The
/// plugin lists sql/ on every build, so a new file is picked up by the next `swift build`.
@main
struct EmbedSQLPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sqlDirectory = context.package.directoryURL.appending(path: "sql")
        let names = try FileManager.default.contentsOfDirectory(atPath: sqlDirectory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(names.count) migrations from sql/",
                executable: try context.tool(named: "EmbedSQL").url,
                arguments: [sqlDirectory.path, output.path] + names,
                inputFiles: [sqlDirectory] + names.map { sqlDirectory.appending(path: $0) },
                outputFiles: [output]
            ),
        ]
    }
}
