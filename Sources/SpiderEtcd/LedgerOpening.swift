import SpiderCore
import SpiderEmbeddedLedger

extension AnyLedger {
    /// The ledger a `store` setting names: `etcd://HOST:PORT[,...][/PREFIX]` for an
    /// ``EtcdLedger`` (with `tls` when given), any other text as the directory of an
    /// ``EmbeddedLedger``.
    public static func open(_ store: String, tls: EtcdStore.TLS = EtcdStore.TLS()) throws(IPAMError) -> AnyLedger {
        if EtcdStore.isEtcd(store) {
            let location: EtcdStore
            do { location = try EtcdStore(parsing: store, tls: tls) } catch { throw EtcdLedger.ipamError(error) }
            return AnyLedger(try EtcdLedger(store: location))
        }
        if tls.isEnabled { throw .invalidStore("TLS files are given but the store '\(store)' is a directory, not etcd://") }
        return AnyLedger(try EmbeddedLedger(root: store))
    }
}
