import ArgumentParser

/// The `spiderctl` root command.
struct Spiderctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spiderctl",
        abstract: "IP address management and multi-NIC route coordination for Kubernetes underlay networks.",
        discussion: """
            Exit codes: 0 success; 1 bad input or a failed operation (one line on stderr).

            Example:
              spiderctl range count 10.6.212.100-10.6.212.200 --exclude 10.6.212.150
            """,
        version: "0.1.0",
        subcommands: [RangeCommand.self, PlanCommand.self, InspectCommand.self, CompletionCommand.self, PoolCommand.self, IPCommand.self, StoreCommand.self, GCCommand.self, CNICommand.self, AgentCommand.self, DetectCommand.self, RenderCommand.self]
    )
}
