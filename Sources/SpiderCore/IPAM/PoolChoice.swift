import Foundation

/// Pools named for one Pod, the way users write the `ipam.spidernet.io/ippool` and
/// `ipam.spidernet.io/ippools` annotations (reaching us through the CNI config's `args`).
public struct PoolChoice: Sendable, Hashable {
    /// The NIC the entry is for (`nil`: the entry names no interface).
    public var interface: String?
    public var ipv4: [String]
    public var ipv6: [String]
    /// `cleangateway`: no default route through the pool's gateway.
    public var cleanGateway: Bool?

    public init(interface: String? = nil, ipv4: [String] = [], ipv6: [String] = [], cleanGateway: Bool? = nil) {
        self.interface = interface
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.cleanGateway = cleanGateway
    }

    /// The pools of one family.
    public func pools(_ family: IPFamily) -> [String] { family == .v4 ? ipv4 : ipv6 }

    /// Parses `ipam.spidernet.io/ippool`: `{"ipv4": [...], "ipv6": [...]}` for the current NIC.
    public static func parseSingle(_ json: String) throws(IPAMError) -> PoolChoice {
        guard let object = try parseJSON(json, annotation: "ipam.spidernet.io/ippool") as? [String: Any] else {
            throw .invalidPoolChoice("ipam.spidernet.io/ippool must be a JSON object like {\"ipv4\":[\"pool\"]}")
        }
        return try entry(object, annotation: "ipam.spidernet.io/ippool")
    }

    /// Parses `ipam.spidernet.io/ippools` and picks the entry for `interface`:
    /// `[{"interface": "eth0", "ipv4": [...], "ipv6": [...], "cleangateway": false}, ...]`.
    ///
    /// As in Spiderpool: at least one entry; interfaces named on all entries or on none; no NIC
    /// twice; with names, the current NIC must be named. Without names the entries go to the
    /// NICs by position (`eth0` is the first, `netN` the (N+1)-th).
    public static func parseMultiple(_ json: String, interface: String) throws(IPAMError) -> PoolChoice? {
        let annotation = "ipam.spidernet.io/ippools"
        guard let array = try parseJSON(json, annotation: annotation) as? [Any] else {
            throw .invalidPoolChoice("\(annotation) must be a JSON array of objects")
        }
        guard !array.isEmpty else { throw .invalidPoolChoice("\(annotation): value requires at least one item") }
        var entries: [PoolChoice] = []
        for item in array {
            guard let object = item as? [String: Any] else { throw .invalidPoolChoice("\(annotation): every item must be an object") }
            entries.append(try entry(object, annotation: annotation))
        }
        let named = entries.filter { $0.interface != nil }.count
        guard named == 0 || named == entries.count else {
            throw .invalidPoolChoice("\(annotation): NIC should be either all specified or all unspecified")
        }
        if named > 0 {
            var seen: Set<String> = []
            for entry in entries {
                guard let name = entry.interface, seen.insert(name).inserted else {
                    throw .invalidPoolChoice("\(annotation): duplicate interface \(entry.interface ?? "")")
                }
            }
            guard let match = entries.first(where: { $0.interface == interface }) else {
                throw .invalidPoolChoice("\(annotation): interface \(interface) must be specified")
            }
            return match
        }
        guard let position = nicPosition(interface), position < entries.count else { return nil }
        return entries[position]
    }

    /// `eth0` → 0, `net3` → 3; other names have no position.
    static func nicPosition(_ interface: String) -> Int? {
        if interface == "eth0" { return 0 }
        guard interface.hasPrefix("net"), let number = Int(interface.dropFirst(3)), number >= 1 else { return nil }
        return number
    }

    static func parseJSON(_ json: String, annotation: String) throws(IPAMError) -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .invalidPoolChoice("invalid format of Pod annotation '\(annotation)': not JSON")
        }
    }

    static func entry(_ object: [String: Any], annotation: String) throws(IPAMError) -> PoolChoice {
        func names(_ key: String) throws(IPAMError) -> [String] {
            guard let value = object[key], !(value is NSNull) else { return [] }
            guard let list = value as? [String] else { throw .invalidPoolChoice("\(annotation): \(key) must be a list of pool names") }
            return list
        }
        var choice = PoolChoice(ipv4: try names("ipv4"), ipv6: try names("ipv6"))
        if let interface = object["interface"], !(interface is NSNull) {
            guard let name = interface as? String, !name.isEmpty else { throw .invalidPoolChoice("\(annotation): interface must be a name") }
            choice.interface = name
        }
        if let clean = object["cleangateway"], !(clean is NSNull) {
            guard let flag = clean as? Bool else { throw .invalidPoolChoice("\(annotation): cleangateway must be true or false") }
            choice.cleanGateway = flag
        }
        return choice
    }
}
