import SpiderCore
import SpiderEmbeddedLedger

/// Where the `spiderpool` plugin keeps its ledger, as its IPAM keys say: `store` (a directory,
/// default `/var/lib/spiderpool`, or `etcd://HOST:PORT[,HOST:PORT][/PREFIX]`) and, for etcd
/// over TLS, `etcd_ca_cert_file`, `etcd_cert_file`, `etcd_key_file`.
public struct StoreSetting: Sendable, Hashable {
    /// The `store` value.
    public var store: String
    /// `etcd_ca_cert_file`.
    public var caFile: String?
    /// `etcd_cert_file`.
    public var certFile: String?
    /// `etcd_key_file`.
    public var keyFile: String?

    /// A setting for `store` with the given TLS files.
    public init(store: String = EmbeddedLedger.defaultRoot, caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil) {
        self.store = store
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// The scheme of a shared etcd store.
    public static let etcdScheme = "etcd://"

    /// Whether the store is etcd (served by `spiderctl`, not by the lean plugin binary).
    public var isEtcd: Bool { store.hasPrefix(StoreSetting.etcdScheme) }

    /// Whether any TLS file is named.
    public var hasTLS: Bool { caFile != nil || certFile != nil || keyFile != nil }

    /// The embedded ledger only: a directory store opens here, an etcd store is handed off to
    /// `spiderctl` (see ``CNIHandOff``). The lean CNI binary's opener.
    /// - Parameter setting: the store to open.
    public static func openEmbedded(_ setting: StoreSetting) throws(CNIError) -> AnyLedger {
        if setting.isEtcd { throw CNIError.handOff("the store is \(setting.store)") }
        if setting.hasTLS {
            throw CNIError(IPAMError.invalidStore("TLS files are given but the store '\(setting.store)' is a directory, not etcd://"))
        }
        do { return AnyLedger(try EmbeddedLedger(root: setting.store)) } catch { throw CNIError(error) }
    }
}
