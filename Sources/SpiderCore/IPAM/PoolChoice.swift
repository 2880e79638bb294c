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
    /// - Parameter json: the annotation's text.
    public static func parseSingle(_ json: String) throws(IPAMError) -> PoolChoice {
        try parseSingle(.string(json))
    }

    /// Parses `ipam.spidernet.io/ippool` given as a value: a string holds the annotation's JSON
    /// text (as annotations arrive), an object is used as it is.
    /// - Parameter value: the annotation's value.
    public static func parseSingle(_ value: ManifestValue) throws(IPAMError) -> PoolChoice {
        let annotation = "ipam.spidernet.io/ippool"
        let object = try structure(value, annotation: annotation)
        guard object.objectValue != nil else {
            throw .invalidPoolChoice("ipam.spidernet.io/ippool must be a JSON object like {\"ipv4\":[\"pool\"]}")
        }
        return try entry(object, annotation: annotation)
    }

    /// Parses `ipam.spidernet.io/ippools` and picks the entry for `interface`:
    /// `[{"interface": "eth0", "ipv4": [...], "ipv6": [...], "cleangateway": false}, ...]`.
    ///
    /// As in Spiderpool: at least one entry; interfaces named on all entries or on none; no NIC
    /// twice; with names, the current NIC must be named. Without names the entries go to the
    /// NICs by position (`eth0` is the first, `netN` the (N+1)-th).
    /// - Parameters:
    ///   - json: the annotation's text.
    ///   - interface: the NIC being attached.
    public static func parseMultiple(_ json: String, interface: String) throws(IPAMError) -> PoolChoice? {
        try parseMultiple(.string(json), interface: interface)
    }

    /// Parses `ipam.spidernet.io/ippools` given as a value: a string holds the annotation's
    /// JSON text, an array is used as it is.
    /// - Parameters:
    ///   - value: the annotation's value.
    ///   - interface: the NIC being attached.
    public static func parseMultiple(_ value: ManifestValue, interface: String) throws(IPAMError) -> PoolChoice? {
        let annotation = "ipam.spidernet.io/ippools"
        guard let array = try structure(value, annotation: annotation).arrayValue else {
            throw .invalidPoolChoice("\(annotation) must be a JSON array of objects")
        }
        guard !array.isEmpty else { throw .invalidPoolChoice("\(annotation): value requires at least one item") }
        var entries: [PoolChoice] = []
        for item in array {
            guard item.objectValue != nil else { throw .invalidPoolChoice("\(annotation): every item must be an object") }
            entries.append(try entry(item, annotation: annotation))
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

    /// The annotation's structure: a string is its JSON text, anything else is taken as given.
    static func structure(_ value: ManifestValue, annotation: String) throws(IPAMError) -> ManifestValue {
        guard case .string(let json) = value else { return value }
        guard let parsed = JSONReader.parse(json) else {
            throw .invalidPoolChoice("invalid format of Pod annotation '\(annotation)': not JSON")
        }
        return parsed
    }

    static func entry(_ object: ManifestValue, annotation: String) throws(IPAMError) -> PoolChoice {
        func names(_ key: String) throws(IPAMError) -> [String] {
            guard let value = object[key], !value.isNull else { return [] }
            guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw .invalidPoolChoice("\(annotation): \(key) must be a list of pool names")
            }
            return list.compactMap(\.stringValue)
        }
        var choice = PoolChoice(ipv4: try names("ipv4"), ipv6: try names("ipv6"))
        if let interface = object["interface"], !interface.isNull {
            guard let name = interface.stringValue, !name.isEmpty else { throw .invalidPoolChoice("\(annotation): interface must be a name") }
            choice.interface = name
        }
        if let clean = object["cleangateway"], !clean.isNull {
            guard let flag = clean.boolValue else { throw .invalidPoolChoice("\(annotation): cleangateway must be true or false") }
            choice.cleanGateway = flag
        }
        return choice
    }
}
