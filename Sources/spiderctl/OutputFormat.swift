import ArgumentParser

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// For people and line-oriented scripts.
    case text
    /// Stable JSON for scripts.
    case json
}
