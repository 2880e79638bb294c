import ArgumentParser

/// `spiderctl completion SHELL`: the shell completion script, as kubectl prints it.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            Examples:
              source <(spiderctl completion bash)
              spiderctl completion zsh > "${fpath[1]}/_spiderctl"
              spiderctl completion fish > ~/.config/fish/completions/spiderctl.fish
            """
    )

    enum Shell: String, ExpressibleByArgument, CaseIterable { case bash, zsh, fish }

    @Argument(help: "bash, zsh or fish.")
    var shell: Shell

    func run() throws {
        let kind: CompletionShell = switch shell {
        case .bash: .bash
        case .zsh: .zsh
        case .fish: .fish
        }
        Console.write(Spiderctl.completionScript(for: kind))
    }
}
