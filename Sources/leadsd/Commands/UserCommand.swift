import ArgumentParser

/// `leadsd user …`: manage the users that tokens belong to.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage users.",
        subcommands: [UserAddCommand.self, UserListCommand.self]
    )
}
