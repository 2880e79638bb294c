import ArgumentParser
import Foundation
import SpiderCNI

/// Entry point: runs the command line and turns every failure into exit code 1 and one line
/// on stderr (`error: …`), so scripts get a stable contract. `--help` and `--version` exit 0.
@main
enum SpiderctlMain {
    static func main() {
        // Installed as a CNI plugin (a link named `spiderpool` or `coordinator`): straight to the
        // plugin, without the command-line parser.
        let invokedAs = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        if CNIEntry.names.contains(invokedAs) { _ = CNIEntry.run(named: invokedAs) }
        let arguments = BulkRangeArguments.rewrite(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try Spiderctl.parseAsRoot(arguments)
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            if Spiderctl.exitCode(for: error) == .success { Spiderctl.exit(withError: error) }
            let message = Spiderctl.message(for: error)
            let line = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "failed"
            Console.error(line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line)
            Foundation.exit(1)
        }
    }
}
