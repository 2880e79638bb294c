import ArgumentParser
import SpiderCore

/// `--store`: where pools and allocations live.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The embedded ledger's directory.", valueName: "PATH"))
    var store: String = EmbeddedLedger.defaultRoot

    func service() throws -> IPAMService<EmbeddedLedger> {
        do { return IPAMService(ledger: try EmbeddedLedger(root: store)) } catch { throw CommandFailure(error.description) }
    }
}

/// Runs a SpiderCore call and turns its typed error into a one-line failure.
func attempt<T>(_ body: () throws(IPAMError) -> T) throws -> T {
    do { return try body() } catch { throw CommandFailure(error.description) }
}
