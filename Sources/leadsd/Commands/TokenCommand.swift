import ArgumentParser

/// `leadsd token …`: Sanctum personal access tokens.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, list and revoke API tokens (Laravel Sanctum personal access tokens).",
        subcommands: [TokenIssueCommand.self, TokenRevokeCommand.self, TokenListCommand.self]
    )
}
