import Glibc
import SpiderCNI
import SpiderCore
import SpiderEmbeddedLedger
import SpiderEtcd

/// The store an agent serves, kept warm: the embedded ledger opened once, or an etcd store
/// followed by an `EtcdStoreView`.
public enum AgentStore: Sendable {
    case embedded(EmbeddedLedger, root: String)
    case etcd(EtcdStoreView)

    /// Opens the store `configuration` names (an etcd view reads nothing until it runs).
    public static func open(_ configuration: AgentConfiguration, log: @escaping @Sendable (String) -> Void) throws(AgentError) -> AgentStore {
        if EtcdStore.isEtcd(configuration.store) {
            do {
                let location = try EtcdStore(parsing: configuration.store, tls: configuration.tls)
                return .etcd(try EtcdStoreView(ledger: EtcdLedger(client: EtcdClient(store: location)), log: log))
            } catch {
                throw .store("\(configuration.store): \(error)")
            }
        }
        if configuration.tls.isEnabled {
            throw .invalidConfiguration("TLS files are given but the store '\(configuration.store)' is a directory, not etcd://")
        }
        do {
            return .embedded(try EmbeddedLedger(root: configuration.store), root: AgentStore.resolved(configuration.store))
        } catch {
            throw .store(error.description)
        }
    }

    /// The ledger one CNI call uses (over etcd: a fresh `ViewedEtcdLedger` each call).
    public func ledgerForCall() -> AnyLedger {
        switch self {
        case .embedded(let ledger, _): AnyLedger(ledger)
        case .etcd(let view): AnyLedger(ViewedEtcdLedger(view: view))
        }
    }

    /// The ledger for reads that must be current (the metrics' counts).
    public var directLedger: AnyLedger {
        switch self {
        case .embedded(let ledger, _): AnyLedger(ledger)
        case .etcd(let view): AnyLedger(view.ledger)
        }
    }

    /// Whether a call's `store` setting names this store (same directory, or the same etcd
    /// endpoints, prefix and TLS files).
    public func serves(_ setting: StoreSetting) -> Bool {
        switch self {
        case .embedded(_, let root):
            return !setting.isEtcd && !setting.hasTLS && AgentStore.resolved(setting.store) == root
        case .etcd(let view):
            let tls = EtcdStore.TLS(caFile: setting.caFile, certFile: setting.certFile, keyFile: setting.keyFile)
            guard setting.isEtcd, let store = try? EtcdStore(parsing: setting.store, tls: tls) else { return false }
            return store == view.ledger.store
        }
    }

    /// What the store is, for messages.
    public var description: String {
        switch self {
        case .embedded(_, let root): root
        case .etcd(let view): view.ledger.store.description
        }
    }

    /// A directory with every symbolic link resolved (the text itself when it cannot be).
    static func resolved(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
