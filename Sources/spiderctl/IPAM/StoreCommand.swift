import ArgumentParser
import SpiderCore
import SpiderEmbeddedLedger

/// `spiderctl store`: the embedded ledger's own maintenance.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Migrate or check the embedded ledger's directory.",
        subcommands: [StoreMigrate.self, StoreCheck.self]
    )
}

/// `--store DIR` for the commands that only work on the embedded ledger.
struct DirectoryOption: ParsableArguments {
    @Option(help: ArgumentHelp("The embedded ledger's directory.", valueName: "DIR"))
    var store: String = EmbeddedLedger.defaultRoot

    func validated() throws -> String {
        guard !store.hasPrefix("etcd://") else { throw CommandFailure("--store \(store): store migrate and store check work on the embedded ledger's directory, not on etcd") }
        return store
    }
}

struct StoreMigrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Convert a store written by the first layout (pools/, records/, owners/ …) into the current one.",
        discussion: """
            Every pool, reserved IP, allocation, parked (sticky) address and cursor is kept. The new store is
            committed before anything of the old one moves; the old folders are then kept in
            DIR/migrated-layout-1. Any command that opens such a store migrates it the same way; this one
            says what it moved. Exit 0 also when there is nothing to migrate.

            Example:
              spiderctl store migrate --store /var/lib/spiderpool
            """
    )

    @OptionGroup var options: DirectoryOption

    func run() throws {
        let root = try options.validated()
        guard let report = try attempt({ () throws(IPAMError) in try EmbeddedLedger.migrate(root: root) }) else {
            Console.print("\(root): nothing to migrate (no first-layout store there)")
            return
        }
        Console.print("migrated \(root):")
        for line in report.lines { Console.print("  \(line)") }
    }
}

struct StoreCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the store's integrity; with --repair, mend what can be mended safely.",
        discussion: """
            Checks the database's own integrity, the index of held addresses, documents that cannot be read,
            records of pools that are not stored, and addresses outside their pool's ips. Each problem is one
            line saying what to do. Exit 0 when the store is sound (after the repair, with --repair), 1 otherwise.

            --repair, in one transaction: rebuilds the indexes, restores a damaged pool or reserved-IP document
            from its last sound copy, and releases the records of pools that are not stored. Addresses outside
            their pool's ips may be running Pods' and are only reported.

            Example:
              spiderctl store check --store /var/lib/spiderpool --repair
            """
    )

    @OptionGroup var options: DirectoryOption
    @Flag(help: "Mend what can be mended without guessing.") var repair = false

    func run() throws {
        let root = try options.validated()
        let report = try attempt { () throws(IPAMError) in try EmbeddedLedger(root: root).check(repair: repair) }
        for line in report.summary { Console.print(line) }
        for line in report.repaired { Console.print("repaired: \(line)") }
        for line in report.problems { Console.print("problem: \(line)") }
        guard report.isSound else { throw CommandFailure("\(root): \(report.problems.count) problem(s) found\(repair ? " that --repair cannot mend" : "")") }
        Console.print("\(root): sound")
    }
}
