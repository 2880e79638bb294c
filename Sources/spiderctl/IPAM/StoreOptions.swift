import ArgumentParser
import SpiderCore
import SpiderEmbeddedLedger
import SpiderEtcd

/// `--store`: where pools and allocations live, a directory or etcd.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The embedded ledger's directory, or etcd://HOST:PORT[,HOST:PORT][/PREFIX].", valueName: "STORE"))
    var store: String = EmbeddedLedger.defaultRoot

    @Option(name: .customLong("etcd-cacert"), help: ArgumentHelp("CA bundle that signed etcd's server certificate (HTTPS).", valueName: "FILE"))
    var etcdCACert: String?

    @Option(name: .customLong("etcd-cert"), help: ArgumentHelp("Client certificate for etcd.", valueName: "FILE"))
    var etcdCert: String?

    @Option(name: .customLong("etcd-key"), help: ArgumentHelp("The client certificate's key.", valueName: "FILE"))
    var etcdKey: String?

    func service() throws -> IPAMService<AnyLedger> {
        let tls = EtcdStore.TLS(caFile: etcdCACert, certFile: etcdCert, keyFile: etcdKey)
        do { return IPAMService(ledger: try AnyLedger.open(store, tls: tls)) } catch { throw CommandFailure(error.description) }
    }
}

/// Runs a SpiderCore call and turns its typed error into a one-line failure.
func attempt<T>(_ body: () throws(IPAMError) -> T) throws -> T {
    do { return try body() } catch { throw CommandFailure(error.description) }
}
