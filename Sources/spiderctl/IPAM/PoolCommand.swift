import ArgumentParser
import Foundation
import SpiderCore
import SpiderYAML

/// `spiderctl pool`: SpiderIPPool and SpiderReservedIP manifests in the store.
struct PoolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool",
        abstract: "Apply, list and delete SpiderIPPools and SpiderReservedIPs.",
        discussion: """
            Example:
              spiderctl pool apply -f 10-6-v4.yaml
              spiderctl pool get -o wide
            """,
        subcommands: [PoolApply.self, PoolGet.self, PoolDelete.self]
    )
}

struct PoolApply: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate SpiderIPPool/SpiderReservedIP manifests (YAML or JSON, several documents) and store them.",
        discussion: """
            Nothing is stored when one document is refused. `-f -` reads standard input.

            Example:
              spiderctl pool apply -f 10-6-v4.yaml
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(name: .shortAndLong, help: ArgumentHelp("The manifest file, or - for standard input.", valueName: "FILE"))
    var file: String

    func run() throws {
        let text: String
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandFailure("cannot read '\(file)'") }
            text = String(decoding: data, as: UTF8.self)
        }
        let documents: [ManifestDocument]
        do { documents = try ManifestDocument.parse(text) } catch { throw CommandFailure("\(file): \(error)") }
        guard !documents.isEmpty else { throw CommandFailure("\(file): no SpiderIPPool or SpiderReservedIP document") }
        let service = try store.service()
        for line in try attempt({ () throws(IPAMError) in try service.apply(documents) }) { Console.print(line) }
    }
}

struct PoolGet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "List pools with their usage, or show one.",
        discussion: """
            Columns: NAME VERSION SUBNET ALLOCATED-IP-COUNT TOTAL-IP-COUNT DEFAULT USAGE (and, with -o wide,
            DISABLE NODENAME MULTUSNAME). -o yaml/json prints the manifests with their status.

            Example:
              spiderctl pool get 10-6-v4 -o yaml
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, wide, yaml, json }

    @OptionGroup var store: StoreOptions
    @Argument(help: "A pool name (all pools when left out).") var name: String?
    @Option(name: .shortAndLong, help: "table, wide, yaml or json.") var output: Format = .table

    func run() throws {
        let service = try store.service()
        var pools = try attempt { () throws(IPAMError) in try service.ledger.pools() }
        // Damaged documents are named (the other pools are still listed).
        let damaged = try attempt { () throws(IPAMError) in try service.ledger.unreadableDocuments() }
        if let name {
            pools = pools.filter { $0.name == name }
            if pools.isEmpty, let document = damaged.first(where: { $0.name == name && $0.kind == SpiderIPPool.kind }) {
                throw CommandFailure(IPAMError.unreadableDocument(document).description)
            }
            guard !pools.isEmpty else { throw CommandFailure("IPPool \(name) not found") }
        } else {
            for document in damaged { Console.error("warning: \(IPAMError.unreadableDocument(document).description)") }
        }
        var statuses: [(SpiderIPPool, [AllocationRecord], AddressCount)] = []
        for pool in pools {
            let records = try attempt { () throws(IPAMError) in try service.ledger.records(pool: pool.name) }.filter { !$0.owner.isParked }
            let total = (try? PoolAddressSpace(subnet: pool.subnet, ips: pool.ips, excludeIPs: pool.excludeIPs))?.totalCount ?? .zero
            statuses.append((pool, records, total))
        }
        switch output {
        case .table, .wide:
            var header = ["NAME", "VERSION", "SUBNET", "ALLOCATED-IP-COUNT", "TOTAL-IP-COUNT", "DEFAULT"]
            if output == .wide { header += ["DISABLE", "NODENAME", "MULTUSNAME"] }
            var table = TextTable(header + ["USAGE"])
            for (pool, records, total) in statuses {
                var row = [pool.name, pool.ipVersion.map(String.init) ?? "", pool.subnet, String(records.count), total.description, String(pool.isDefault)]
                if output == .wide { row += [String(pool.disable), "[\(pool.nodeName.joined(separator: ","))]", "[\(pool.multusName.joined(separator: ","))]"] }
                table.add(row + [PoolGet.bar(records.count, total)])
            }
            table.lines.forEach(Console.print)
        case .yaml, .json:
            let documents = statuses.map { pool, records, total in
                var document = pool.manifest
                document["status"] = .object([
                    ("allocatedIPCount", .int(records.count)),
                    ("totalIPCount", .int(Int(total.clampedToInt64))),
                    ("allocatedIPs", .object(records.map { ($0.address.description, .object([("pod", .string($0.owner.pod)), ("podUid", .string($0.owner.podUID)), ("containerID", .string($0.owner.containerID)), ("interface", .string($0.owner.interface))])) })),
                ])
                return document
            }
            if output == .json {
                Console.print((documents.count == 1 && name != nil ? documents[0] : .object([("apiVersion", .string("v1")), ("kind", .string("List")), ("items", .array(documents))])).json(pretty: true))
            } else {
                Console.print(documents.map(\.yaml).joined(separator: "---\n").trimmingCharacters(in: .newlines))
            }
        }
    }

    /// `[####------]  40%` (used/total, ten characters).
    static func bar(_ used: Int, _ total: AddressCount) -> String {
        guard let size = total.uint128, size > 0 else { return "[----------]   -" }
        let fraction = Double(used) / Double(size)
        let filled = min(10, Int((fraction * 10).rounded(.up)))
        let percent = fraction > 0 && fraction < 0.01 ? "<1" : String(Int((fraction * 100).rounded()))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 10 - filled) + "] " + String(repeating: " ", count: max(0, 3 - percent.count)) + percent + "%"
    }
}

struct PoolDelete: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a pool; refused while addresses are allocated from it, unless --force.",
        discussion: """
            Example:
              spiderctl pool delete 10-6-v4
            """
    )

    @OptionGroup var store: StoreOptions
    @Argument(help: "The pool name.") var name: String
    @Flag(help: "Delete even if addresses are allocated (their records go too).") var force = false

    func run() throws {
        let service = try store.service()
        try attempt { () throws(IPAMError) in try service.deletePool(named: name, force: force) }
        Console.print("spiderippool/\(name) deleted")
    }
}
