import ArgumentParser
import Foundation
import SpiderCNI
import SpiderCore
import SpiderYAML

/// `spiderctl ip`: allocate, release and list addresses by hand.
struct IPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ip",
        abstract: "Allocate, release and list addresses in the store.",
        discussion: """
            Example:
              spiderctl ip allocate --pool 10-6-v4 --container-id c1 --ifname eth0 --pod default/web-0
            """,
        subcommands: [IPAllocate.self, IPRelease.self, IPList.self]
    )
}

struct IPAllocate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Allocate an address from a pool and print it in CIDR form (10.6.212.100/16).",
        discussion: """
            Repeated with the same container ID and interface, it prints the same address.

            Example:
              spiderctl ip allocate --pool 10-6-v4 --container-id c1 --ifname eth0
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(help: "The pool to allocate from.") var pool: String
    @Option(name: .customLong("container-id"), help: "The CNI container ID.") var containerID: String
    @Option(help: "The interface name.") var ifname: String
    @Option(help: ArgumentHelp("The Pod, as NAMESPACE/NAME.", valueName: "NS/NAME")) var pod: String?
    @Option(name: .customLong("pod-uid"), help: "The Pod's UID.") var podUID: String?
    @Option(help: "Ask for this exact address.") var ip: String?
    @Option(help: ArgumentHelp("The node recorded as the holder's (default: $SPIDERPOOL_NODE_NAME or the host name).", valueName: "NAME"))
    var node: String?

    func run() throws {
        let service = try store.service()
        let attachment = try attempt { () throws(IPAMError) in try Attachment(containerID: containerID, interface: ifname) }
        var request = AllocationRequest(attachment: attachment)
        if let pod {
            let parts = pod.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw CommandFailure("--pod '\(pod)' must be NAMESPACE/NAME") }
            request.podNamespace = String(parts[0])
            request.podName = String(parts[1])
        }
        request.podUID = podUID ?? ""
        request.nodeName = node ?? SpiderpoolIPAMPlugin.nodeName
        let pools = try attempt { () throws(IPAMError) in try service.ledger.pools() }.map(IPPoolWebhook.defaulted)
        guard let chosen = pools.first(where: { $0.name == pool }) else { throw CommandFailure("IPPool \(pool) not found") }
        request.podPools = chosen.ipVersion == 6 ? PoolChoice(ipv6: [pool]) : PoolChoice(ipv4: [pool])
        if let ip {
            guard let address = IPAddress(ip) else { throw CommandFailure(AddressError.invalidAddress(ip).description) }
            request.fixedAddresses = [address]
        }
        let result = try attempt { () throws(IPAMError) in try service.allocate(request) }
        for address in result.addresses { Console.print(address.address.description) }
    }
}

struct IPRelease: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release what an attachment holds (exit 0 also when it holds nothing).",
        discussion: """
            Example:
              spiderctl ip release --container-id c1 --ifname eth0
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("container-id"), help: "The CNI container ID.") var containerID: String
    @Option(help: "The interface name.") var ifname: String
    @Flag(help: "Release for good, even a StatefulSet-style Pod's address (otherwise it is kept for the Pod's next incarnation).")
    var forget = false

    func run() throws {
        let service = try store.service()
        let attachment = try attempt { () throws(IPAMError) in try Attachment(containerID: containerID, interface: ifname) }
        let released = try attempt { () throws(IPAMError) in try service.release(attachment, sticky: forget ? .never : .auto) }
        for record in released { Console.print("released \(record.address) (pool \(record.pool))") }
    }
}

struct IPList: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List attachments and their addresses (the columns of `kubectl get spiderendpoints`).",
        discussion: """
            Columns: NAME INTERFACE IPV4POOL IPV4 IPV6POOL IPV6 NODE (-o wide adds NAMESPACE and CONTAINER-ID).

            Example:
              spiderctl ip list --pool 10-6-v4
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, wide, yaml, json }

    @OptionGroup var store: StoreOptions
    @Option(help: "Only this pool's addresses.") var pool: String?
    @Option(name: .shortAndLong, help: "table, wide, yaml or json.") var output: Format = .table

    func run() throws {
        let service = try store.service()
        var records = try attempt { () throws(IPAMError) in try service.ledger.allRecords() }
        // Each pool's prefix length, read once (one store call, not one per address).
        let prefixes = Dictionary(try attempt { () throws(IPAMError) in try service.ledger.pools() }.compactMap { pool in
            IPNetwork(pool.subnet).map { (pool.name, $0.prefixLength) }
        }, uniquingKeysWith: { a, _ in a })
        func cidr(_ record: AllocationRecord) -> String {
            prefixes[record.pool].map { "\(record.address)/\($0)" } ?? record.address.description
        }
        if let pool { records = records.filter { $0.pool == pool } }
        // One row per attachment; parked addresses one row per Pod NIC; a damaged record whose
        // owner is unknown a row of its own.
        func key(_ record: AllocationRecord) -> String {
            switch record.owner.containerID {
            case AllocationOwner.unknownContainerID: "\u{1}\(record.pool)@\(record.address)"
            case AllocationOwner.parkedContainerID: "\u{2}\(record.owner.pod)/\(record.owner.interface)"
            default: "\(record.owner.containerID)/\(record.owner.interface)"
            }
        }
        let grouped = Dictionary(grouping: records, by: key)
        let rows = grouped.keys.sorted().compactMap { key -> (AllocationOwner, AllocationRecord?, AllocationRecord?, Bool)? in
            guard let held = grouped[key], let first = held.first else { return nil }
            return (first.owner, held.first { $0.address.family == .v4 }, held.first { $0.address.family == .v6 }, held.contains(where: \.isDamaged))
        }
        switch output {
        case .table, .wide:
            var header = ["NAME", "INTERFACE", "IPV4POOL", "IPV4", "IPV6POOL", "IPV6", "NODE"]
            if output == .wide { header += ["NAMESPACE", "CONTAINER-ID"] }
            var table = TextTable(header)
            for (owner, v4, v6, damaged) in rows {
                let name = owner.podName.isEmpty ? owner.containerID : owner.podName
                var row = [Console.printable(name) + (damaged ? " (damaged record)" : ""), owner.interface, v4?.pool ?? "",
                           v4.map(cidr) ?? "", v6?.pool ?? "", v6.map(cidr) ?? "", Console.printable(owner.node)]
                if output == .wide { row += [Console.printable(owner.podNamespace), owner.containerID] }
                table.add(row)
            }
            table.lines.forEach(Console.print)
        case .json, .yaml:
            let items: [ManifestValue] = rows.map { owner, v4, v6, damaged in
                .object([("name", .string(owner.podName)), ("namespace", .string(owner.podNamespace)),
                         ("containerID", .string(owner.containerID)), ("interface", .string(owner.interface)),
                         ("ipv4Pool", .string(v4?.pool ?? "")), ("ipv4", .string(v4.map(cidr) ?? "")),
                         ("ipv6Pool", .string(v6?.pool ?? "")), ("ipv6", .string(v6.map(cidr) ?? "")),
                         ("node", .string(owner.node)), ("sticky", .bool(owner.isParked)), ("damaged", .bool(damaged))])
            }
            let list = ManifestValue.array(items)
            Console.print(output == .json ? list.json(pretty: true) : list.yaml.trimmingCharacters(in: .newlines))
        }
    }
}

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Release every allocation whose attachment is not in the CNI GC list of valid attachments.",
        discussion: """
            FILE holds the CNI GC input (an object with "cni.dev/valid-attachments") or just the list
            [{"containerID": "...", "ifname": "..."}]. Prints what was released.

            Example:
              spiderctl gc --valid-attachments valid.json
            """
    )

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("valid-attachments"), help: ArgumentHelp("The JSON file.", valueName: "FILE")) var validAttachments: String
    @Option(help: ArgumentHelp("Only records allocated on this node (default on etcd: $SPIDERPOOL_NODE_NAME or the host name).", valueName: "NAME"))
    var node: String?
    @Flag(name: .customLong("all-nodes"), help: "On etcd: records of every node (the list must then hold every node's attachments).")
    var allNodes = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: validAttachments) else { throw CommandFailure("cannot read '\(validAttachments)'") }
        guard let json = try? JSONSerialization.jsonObject(with: data) else { throw CommandFailure("\(validAttachments): not JSON") }
        let list = (json as? [String: Any])?["cni.dev/valid-attachments"] ?? json
        guard let entries = list as? [[String: Any]] else {
            throw CommandFailure("\(validAttachments): expected a list of {\"containerID\", \"ifname\"} (or an object with \"cni.dev/valid-attachments\")")
        }
        var valid: Set<Attachment> = []
        for (index, entry) in entries.enumerated() {
            guard let id = entry["containerID"] as? String, let ifname = entry["ifname"] as? String else {
                throw CommandFailure("\(validAttachments): entry \(index) needs string containerID and ifname")
            }
            valid.insert(try attempt { () throws(IPAMError) in try Attachment(containerID: id, interface: ifname) })
        }
        let service = try store.service()
        if allNodes && node != nil { throw CommandFailure("--node and --all-nodes exclude each other") }
        let scope = allNodes ? nil : node ?? (service.ledger.isShared ? SpiderpoolIPAMPlugin.nodeName : nil)
        let released = try attempt { () throws(IPAMError) in try service.collectGarbage(valid: valid, node: scope) }
        for record in released {
            Console.print("released \(record.address) (pool \(record.pool)) from \(record.owner.attachment)\(record.owner.pod.isEmpty ? "" : " pod \(record.owner.pod)")")
        }
    }
}
