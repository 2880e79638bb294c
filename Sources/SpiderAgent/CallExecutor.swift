import SpiderCNI
import SpiderCore

/// Runs the calls the plugin hands to the agent: the same plugin code, on the warm store.
public struct CallExecutor: Sendable {
    public let store: AgentStore

    public init(store: AgentStore) { self.store = store }

    /// What the agent does with a call.
    public enum Outcome: Sendable, Hashable {
        /// The plugin's stdout and status, to print as its own.
        case answered(AgentAnswer)
        /// Not for the agent: the plugin runs it itself (another plugin or command, another store).
        case refused(String)
    }

    /// Whether a call is one the agent runs (a `spiderpool` ADD), or why not.
    public static func refusal(_ call: AgentCall) -> String? {
        guard call.plugin == "spiderpool" else { return "the agent runs only the spiderpool plugin, not '\(call.plugin)'" }
        guard call.command == "ADD" else { return "the agent runs only ADD; \(call.command) is run by the plugin itself" }
        return nil
    }

    /// Runs `call` exactly as the plugin process would, with the warm store for its ledger.
    public func run(_ call: AgentCall) -> Outcome {
        if let reason = CallExecutor.refusal(call) { return .refused(reason) }
        let store = self.store
        let plugin = SpiderpoolIPAMPlugin(openLedger: { (setting: StoreSetting) throws(CNIError) -> AnyLedger in
            guard store.serves(setting) else {
                throw CNIError.handOff("this agent serves \(store.description), the call names \(setting.store)")
            }
            return store.ledgerForCall()
        })
        let environment = call.environment
        switch CNIRunner.run(plugin, lookup: { environment[$0] }, stdin: Array(call.config.utf8)) {
        case .finished(let stdout, let status): return .answered(AgentAnswer(status: status, stdout: stdout))
        case .handOff(let reason): return .refused(reason)
        }
    }
}
