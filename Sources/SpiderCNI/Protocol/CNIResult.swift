import SpiderCore

/// A CNI result, read from any supported version and printed in any other.
public struct CNIResult: Sendable, Hashable {
    public struct Interface: Sendable, Hashable {
        public var name: String
        public var mac: String?
        public var mtu: Int?
        public var sandbox: String?
        public var socketPath: String?
        public var pciID: String?
    }

    public struct IPConfig: Sendable, Hashable {
        /// `address/prefix`, host bits kept.
        public var address: IPNetwork
        public var gateway: IPAddress?
        /// Index into `interfaces`.
        public var interface: Int?
    }

    public struct RouteEntry: Sendable, Hashable {
        public var dst: IPNetwork
        public var gw: IPAddress?
        public var mtu: Int?
        public var advmss: Int?
        public var priority: Int?
        public var table: Int?
        public var scope: Int?
    }

    public var interfaces: [Interface] = []
    public var ips: [IPConfig] = []
    public var routes: [RouteEntry] = []
    /// `dns`, kept as given.
    public var dns: [String: [String]] = [:]
    public var dnsDomain: String?

    public init() {}

    /// Reads a result (`prevResult`) of any version.
    /// - Parameter value: the result object.
    /// - Throws: ``CNIError`` 6 naming the field that is off.
    public init(value: ManifestValue) throws(CNIError) {
        func bad(_ what: String) -> CNIError { CNIError(code: CNIError.decodingFailure, "failed to parse prevResult", details: what) }
        func list(_ key: String) throws(CNIError) -> [ManifestValue] {
            switch value[key] {
            case nil, .null?: return []
            case .array(let items)?: return items
            case let other?: throw bad("\(key) must be a list, not \(other.kindName)")
            }
        }
        func text(_ item: ManifestValue, _ key: String, _ what: String) throws(CNIError) -> String? {
            switch item[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw bad("\(what) \(key) must be a string, not \(other.kindName)")
            }
        }
        func number(_ item: ManifestValue, _ key: String, _ what: String) throws(CNIError) -> Int? {
            switch item[key] {
            case nil, .null?: return nil
            case .int(let number)?: return number
            case .double(let number)? where number.rounded() == number && abs(number) < 1e15: return Int(number)
            case let other?: throw bad("\(what) \(key) must be a number, not \(other.kindName)")
            }
        }
        for item in try list("interfaces") {
            guard let name = try text(item, "name", "interface"), item.objectValue != nil else { throw bad("an interface has no name") }
            interfaces.append(Interface(name: name, mac: try text(item, "mac", "interface"), mtu: try number(item, "mtu", "interface"),
                                        sandbox: try text(item, "sandbox", "interface"), socketPath: try text(item, "socketPath", "interface"),
                                        pciID: try text(item, "pciID", "interface")))
        }
        for item in try list("ips") {
            let given = try text(item, "address", "ip")
            guard let given, let address = IPNetwork(given) else { throw bad("ip address \(given ?? "missing")") }
            var gateway: IPAddress?
            if let text = try text(item, "gateway", "ip"), !text.isEmpty {
                guard let parsed = IPAddress(text) else { throw bad("gateway \(text)") }
                gateway = parsed
            }
            ips.append(IPConfig(address: address, gateway: gateway, interface: try number(item, "interface", "ip")))
        }
        for item in try list("routes") {
            let given = try text(item, "dst", "route")
            guard let given, let dst = IPNetwork(given) else { throw bad("route dst \(given ?? "missing")") }
            var gw: IPAddress?
            if let text = try text(item, "gw", "route"), !text.isEmpty {
                guard let parsed = IPAddress(text) else { throw bad("route gw \(text)") }
                gw = parsed
            }
            routes.append(RouteEntry(dst: dst, gw: gw, mtu: try number(item, "mtu", "route"), advmss: try number(item, "advmss", "route"),
                                     priority: try number(item, "priority", "route"), table: try number(item, "table", "route"),
                                     scope: try number(item, "scope", "route")))
        }
        if let dns = value["dns"], dns.objectValue != nil {
            for key in ["nameservers", "search", "options"] {
                if let list = dns[key]?.arrayValue { self.dns[key] = list.compactMap(\.stringValue) }
            }
            dnsDomain = dns["domain"]?.stringValue
        }
    }

    /// The result as JSON for `version`: 0.3.x/0.4.0 put `"version"` in each IP; route
    /// `mtu`/`advmss`/`priority`/`table`/`scope` exist only from 1.1.0. Keys are written in
    /// sorted order, as the reference plugins' results are.
    /// - Parameter version: the CNI version to answer in.
    public func json(version: String) -> String {
        let legacy = CNIVersion.compare(version, "1.0.0") < 0
        let modern = CNIVersion.compare(version, "1.1.0") >= 0
        func object(_ pairs: [(String, ManifestValue?)]) -> ManifestValue {
            .object(pairs.compactMap { key, value in value.map { (key, $0) } }.sorted { $0.key < $1.key })
        }
        func text(_ value: String?) -> ManifestValue? { value.map(ManifestValue.string) }
        func number(_ value: Int?, _ shown: Bool = true) -> ManifestValue? { shown ? value.map(ManifestValue.int) : nil }
        var dnsPairs: [(String, ManifestValue?)] = dns.filter { !$0.value.isEmpty }.map { ($0.key, .array($0.value.map(ManifestValue.string))) }
        dnsPairs.append(("domain", text(dnsDomain)))
        let result = object([
            ("cniVersion", .string(version)),
            ("interfaces", interfaces.isEmpty ? nil : .array(interfaces.map { item in
                object([("name", .string(item.name)), ("mac", text(item.mac)), ("mtu", number(item.mtu, modern)),
                        ("sandbox", text(item.sandbox)), ("socketPath", modern ? text(item.socketPath) : nil),
                        ("pciID", modern ? text(item.pciID) : nil)])
            })),
            ("ips", ips.isEmpty ? nil : .array(ips.map { item in
                object([("address", .string(item.address.description)), ("version", legacy ? .string(item.address.family == .v4 ? "4" : "6") : nil),
                        ("gateway", text(item.gateway?.description)), ("interface", number(item.interface))])
            })),
            ("routes", routes.isEmpty ? nil : .array(routes.map { item in
                object([("dst", .string(item.dst.description)), ("gw", text(item.gw?.description)),
                        ("mtu", number(item.mtu, modern)), ("advmss", number(item.advmss, modern)), ("priority", number(item.priority, modern)),
                        ("table", number(item.table, modern)), ("scope", number(item.scope, modern))])
            })),
            ("dns", object(dnsPairs)),
        ])
        return result.json()
    }
}
