import Postgres

/// A refusal or failure a command reports to the operator: printed as its one line, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description.singleLine }
}
