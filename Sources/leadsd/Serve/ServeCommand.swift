import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `leadsd serve`: the daemon. Parses the configuration, then hands the process to the
/// master, which never returns.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the API daemon: a master process and preforked workers."
    )

    @OptionGroup var options: ServeOptions

    func run() throws {
        let arguments = Self.serveArguments()
        if options.checkConfig { ConfigCheck.run(arguments: arguments) }
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration.load(arguments: arguments)
        } catch let error as ConfigurationError {
            Self.fail(error.description)
        } catch {
            // ArgumentParser's own errors (unknown flag, not a number) as one line.
            Self.fail(ServeOptions.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments")
        }
        Master.run(configuration: configuration, arguments: arguments)
    }

    /// The arguments after `serve`, kept for re-parsing on SIGHUP.
    static func serveArguments() -> [String] {
        let all = CommandLine.arguments
        guard let index = all.firstIndex(of: "serve") else { return Array(all.dropFirst()) }
        return Array(all[(index + 1)...])
    }

    static func fail(_ message: String) -> Never {
        StandardError.write("leadsd: \(message)\n")
        Glibc.exit(64)  // EX_USAGE
    }
}
