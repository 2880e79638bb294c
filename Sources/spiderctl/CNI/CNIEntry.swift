import ArgumentParser
import Foundation
import SpiderCNI

/// The CNI plugins this binary is, by the name it is invoked under.
enum CNIEntry {
    static let names = ["spiderpool", "coordinator"]

    static func plugin(named name: String) -> (([String: String], Data) -> (String, Int32))? {
        switch name {
        case "spiderpool": { CNIRunner.run(SpiderpoolIPAMPlugin(), environment: $0, stdin: $1) }
        case "coordinator": { CNIRunner.run(CoordinatorPlugin(), environment: $0, stdin: $1) }
        default: nil
        }
    }
}

/// `spiderctl cni`: the CNI plugins.
struct CNICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cni",
        abstract: "Install spiderctl as the CNI plugins `spiderpool` (IPAM) and `coordinator`, or run one.",
        discussion: """
            Example:
              spiderctl cni install --dir /opt/cni/bin
            """,
        subcommands: [CNIInstall.self, CNIRun.self]
    )
}

struct CNIInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Put `spiderpool` and `coordinator` in a CNI plugin directory (symbolic links to this binary, or copies).",
        discussion: """
            Example:
              spiderctl cni install --dir /opt/cni/bin
            """
    )

    @Option(help: ArgumentHelp("The CNI plugin directory.", valueName: "DIR")) var dir: String = "/opt/cni/bin"
    @Flag(help: "Copy the binary instead of linking to it.") var copy = false

    func run() throws {
        let manager = FileManager.default
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        do { try manager.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch { throw CommandFailure("cannot create \(dir): \(error.localizedDescription)") }
        // Only a regular file or a symbolic link is ever replaced; anything else is refused
        // before either plugin is touched.
        for name in CNIEntry.names {
            let target = dir + "/" + name
            var info = stat()
            guard lstat(target, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFREG || kind == S_IFLNK else {
                throw CommandFailure("\(target) exists and is not a file or a symbolic link: refused (remove it yourself or choose another --dir)")
            }
        }
        for name in CNIEntry.names {
            let target = dir + "/" + name
            // Made beside the target, then renamed over it: the plugin is never missing or half-copied.
            let staging = dir + "/.\(name).installing-\(getpid())"
            // A leftover of an earlier run is a file or a link; anything else is not ours.
            guard unlink(staging) == 0 || errno == ENOENT else {
                throw CommandFailure("\(staging) is in the way and is not a file: refused (remove it yourself)")
            }
            do {
                if copy { try manager.copyItem(atPath: binary, toPath: staging) } else { try manager.createSymbolicLink(atPath: staging, withDestinationPath: binary) }
            } catch {
                throw CommandFailure("cannot install \(target): \(error.localizedDescription)")
            }
            guard rename(staging, target) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(staging)
                throw CommandFailure("cannot install \(target): \(reason)")
            }
            Console.print("installed \(target)\(copy ? "" : " -> \(binary)")")
        }
    }
}

struct CNIRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plugin as a container runtime would (CNI_* from the environment, config on stdin).",
        discussion: """
            Example:
              CNI_COMMAND=VERSION spiderctl cni run spiderpool < conf.json
            """
    )

    @Argument(help: "spiderpool or coordinator.") var plugin: String

    func run() throws {
        guard let entry = CNIEntry.plugin(named: plugin) else { throw CommandFailure("unknown plugin '\(plugin)': spiderpool or coordinator") }
        let (output, status) = entry(ProcessInfo.processInfo.environment, CNIRunner.readStandardInput())
        if !output.isEmpty { Console.print(output) }
        if status != 0 { throw ExitCode(status) }
    }
}
