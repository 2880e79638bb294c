import ArgumentParser
import Foundation
import SpiderCNI
import SpiderCore
import SpiderEtcd
import SpiderYAML

/// The CNI plugins as `spiderctl` runs them: the same plugin code as the lean `spider-cni`
/// binary, with what that binary hands off — an etcd store, a SpiderCoordinator in YAML.
enum CNIEntry {
    static let names = ["spiderpool", "coordinator"]

    /// Opens a directory or an etcd store.
    static let openAnyLedger: SpiderpoolIPAMPlugin.LedgerOpener = { (setting: StoreSetting) throws(CNIError) -> AnyLedger in
        let tls = EtcdStore.TLS(caFile: setting.caFile, certFile: setting.certFile, keyFile: setting.keyFile)
        do throws(IPAMError) { return try AnyLedger.open(setting.store, tls: tls) } catch { throw CNIError(error) }
    }

    /// Reads YAML (or JSON) documents.
    static let readYAML: CoordinatorPlugin.YAMLReader = { (text: String) throws(ManifestError) -> [ManifestValue] in
        try ManifestValue.documents(yaml: text)
    }

    /// Runs the plugin `name` on this process's environment and stdin, prints its answer and
    /// ends the process; `nil` for an unknown name.
    static func run(named name: String) -> Never? {
        let started = AgentRoute.clock()
        let stdin = CNIProcess.readStandardInput()
        guard names.contains(name) else { return nil }
        // A call handed on by the lean binary already found no agent; one run as `spiderctl
        // cni run` directly tries it the same way.
        if let served = AgentRoute.outcome(plugin: name, lookup: CNIProcess.variable, stdin: stdin, log: { CNIProcess.log(name, $0) }) {
            CNIProcess.finish(served, plugin: name, stdin: stdin)
        }
        let outcome: CNIOutcome
        switch name {
        case "spiderpool": outcome = CNIRunner.run(SpiderpoolIPAMPlugin(openLedger: openAnyLedger), lookup: CNIProcess.variable, stdin: stdin)
        case "coordinator": outcome = CNIRunner.run(CoordinatorPlugin(yamlReader: readYAML), lookup: CNIProcess.variable, stdin: stdin)
        default: return nil
        }
        // spiderctl serves every store and YAML: a hand-off here would only loop.
        if case .handOff(let reason) = outcome {
            let error = CNIError(code: CNIError.pluginNotAvailable, "spiderctl cannot serve this configuration", details: reason)
            CNIProcess.finish(.finished(stdout: error.json(version: "1.1.0"), status: 1), plugin: name, stdin: stdin)
        }
        AgentRoute.report(plugin: name, lookup: CNIProcess.variable, stdin: stdin, outcome: outcome, started: started)
        CNIProcess.finish(outcome, plugin: name, stdin: stdin)
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
        abstract: "Put the plugins `spiderpool` and `coordinator` (the lean CNI binary) and `spiderctl` in a CNI plugin directory.",
        discussion: """
            The plugins are the lean, fully static `spider-cni` binary (scripts/build-cni.sh \
            builds it and prints its path); `spiderctl` goes beside them for the calls that \
            binary hands on (an etcd store, a SpiderCoordinator in YAML). By default the files \
            are symbolic links to the binaries; --copy copies them.

            Example:
              spiderctl cni install --dir /opt/cni/bin --binary "$(scripts/build-cni.sh | tail -n 1)"
            """
    )

    @Option(help: ArgumentHelp("The CNI plugin directory.", valueName: "DIR")) var dir: String = "/opt/cni/bin"
    @Option(help: ArgumentHelp("The lean CNI binary (default: spider-cni beside this spiderctl).", valueName: "PATH")) var binary: String?
    @Flag(help: "Copy the binaries instead of linking to them.") var copy = false

    func run() throws {
        let manager = FileManager.default
        let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let beside = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("spider-cni").path
        let plugin = binary ?? beside
        guard manager.isExecutableFile(atPath: plugin) else {
            throw CommandFailure(binary == nil
                ? "the CNI binary spider-cni is not beside spiderctl (\(beside)): build it with scripts/build-cni.sh and pass --binary PATH"
                : "\(plugin) is not an executable file")
        }
        let pluginPath = URL(fileURLWithPath: plugin).standardizedFileURL.resolvingSymlinksInPath().path
        let installs = CNIEntry.names.map { ($0, pluginPath) } + [("spiderctl", own)]
        do { try manager.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch { throw CommandFailure("cannot create \(dir): \(error.localizedDescription)") }
        // Only a regular file or a symbolic link is ever replaced; anything else is refused
        // before any file is touched.
        for (name, _) in installs {
            let target = dir + "/" + name
            var info = stat()
            guard lstat(target, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFREG || kind == S_IFLNK else {
                throw CommandFailure("\(target) exists and is not a file or a symbolic link: refused (remove it yourself or choose another --dir)")
            }
            // Installing into the directory the binaries live in would replace them with links to themselves.
            if URL(fileURLWithPath: target).resolvingSymlinksInPath().path == URL(fileURLWithPath: target).path,
               installs.contains(where: { $0.1 == target }) {
                throw CommandFailure("\(target) is the binary being installed: choose another --dir")
            }
        }
        for (name, source) in installs {
            let target = dir + "/" + name
            // Made beside the target, then renamed over it: a plugin is never missing or half-copied.
            let staging = dir + "/.\(name).installing-\(getpid())"
            // A leftover of an earlier run is a file or a link; anything else is not ours.
            guard unlink(staging) == 0 || errno == ENOENT else {
                throw CommandFailure("\(staging) is in the way and is not a file: refused (remove it yourself)")
            }
            do {
                if copy { try manager.copyItem(atPath: source, toPath: staging) } else { try manager.createSymbolicLink(atPath: staging, withDestinationPath: source) }
            } catch {
                throw CommandFailure("cannot install \(target): \(error.localizedDescription)")
            }
            guard rename(staging, target) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(staging)
                throw CommandFailure("cannot install \(target): \(reason)")
            }
            Console.print("installed \(target)\(copy ? "" : " -> \(source)")")
        }
    }
}

struct CNIRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plugin as a container runtime would (CNI_* from the environment, config on stdin).",
        discussion: """
            The lean plugin binary hands a call it cannot serve itself (an etcd store, a \
            SpiderCoordinator in YAML) to this command.

            Example:
              CNI_COMMAND=VERSION spiderctl cni run spiderpool < conf.json
            """
    )

    @Argument(help: "spiderpool or coordinator.") var plugin: String

    func run() throws {
        guard CNIEntry.names.contains(plugin) else { throw CommandFailure("unknown plugin '\(plugin)': spiderpool or coordinator") }
        _ = CNIEntry.run(named: plugin)
    }
}
