import ArgumentParser

/// `--user-model`, falling back to `LEADSD_USER_MODEL`: the `tokenable_type` of users' tokens.
struct UserModelOption: ParsableArguments {
    @Option(name: .customLong("user-model"),
            help: "tokenable_type of users (env: LEADSD_USER_MODEL; default App\\Models\\User).")
    var userModel: String?

    var resolved: String { userModel ?? EnvironmentDefault.string("LEADSD_USER_MODEL", "App\\Models\\User") }
}
