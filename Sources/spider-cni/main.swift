// The CNI plugins as one lean, multi-call executable: run as `spiderpool` it is the IPAM
// plugin, as `coordinator` the chained coordinator (`spider-cni PLUGIN` names it explicitly).
// It links SpiderCore, SpiderNetlink, the embedded ledger and the CNI protocol, nothing more:
// each CNI call is a new process, and what it links and starts is paid on every Pod NIC.
// A `spiderpool` ADD goes to the node agent when one answers quickly (Docs/AGENT.md); a call
// it cannot serve itself (an etcd store without an agent, a YAML SpiderCoordinator) is handed
// on to `spiderctl cni run PLUGIN`.
import SpiderCNI

let started = AgentRoute.clock()
let plugins = ["spiderpool", "coordinator"]
let invokedAs = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
let explicit = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
let name = plugins.contains(invokedAs) ? invokedAs : explicit

let stdin = CNIProcess.readStandardInput()
if let served = AgentRoute.outcome(plugin: name, lookup: CNIProcess.variable, stdin: stdin, log: { CNIProcess.log(name, $0) }) {
    CNIProcess.finish(served, plugin: name, stdin: stdin)
}
let outcome: CNIOutcome = switch name {
case "spiderpool": CNIRunner.run(SpiderpoolIPAMPlugin(), lookup: CNIProcess.variable, stdin: stdin)
case "coordinator": CNIRunner.run(CoordinatorPlugin(), lookup: CNIProcess.variable, stdin: stdin)
default:
    .finished(stdout: CNIError(code: CNIError.invalidEnvironment, "unknown plugin '\(invokedAs)'",
                               details: "install this binary as `spiderpool` or `coordinator` (spiderctl cni install), or run `spider-cni spiderpool|coordinator`")
        .json(version: "1.1.0"), status: 1)
}
AgentRoute.report(plugin: name, lookup: CNIProcess.variable, stdin: stdin, outcome: outcome, started: started)
CNIProcess.finish(outcome, plugin: name, stdin: stdin)
