/// One neighbour (ARP or NDP) entry, as `ip neigh` prints it and `ip neigh add` takes it.
///
/// ```
/// 10.6.212.132 dev eth0 lladdr ee:ee:ee:ee:ee:ee PERMANENT
/// ```
///
/// The golden files write `lladdr <random>` for a MAC the plugin makes up; that parses as
/// ``lladdr`` `nil` with ``randomMAC`` set, and prints back as `<random>`.
public struct Neighbour: Sendable, Hashable, CustomStringConvertible {
    /// The neighbour's IP address.
    public var address: IPAddress
    /// The interface the neighbour is on (`dev`).
    public var device: String
    /// The neighbour's link-layer address (`lladdr`), if known.
    public var lladdr: MACAddress?
    /// Whether the entry stands for "any MAC" (`lladdr <random>` in the golden files).
    public var randomMAC: Bool
    /// The NUD state as `ip` prints it, upper case (`PERMANENT`, `REACHABLE`, `STALE`, …;
    /// several states are separated by a space).
    public var state: String
    /// Whether the neighbour is a router (`router`, IPv6).
    public var router: Bool

    /// The NUD states `ip neigh` prints.
    private static let states: Set<String> = [
        "PERMANENT", "NOARP", "REACHABLE", "STALE", "NONE", "INCOMPLETE", "DELAY", "PROBE", "FAILED",
    ]

    /// A neighbour entry; `state` defaults to `PERMANENT`, as for `ip neigh add`.
    public init(address: IPAddress, device: String, lladdr: MACAddress? = nil, randomMAC: Bool = false,
                state: String = "PERMANENT", router: Bool = false)
    {
        self.address = address
        self.device = device
        self.lladdr = lladdr
        self.randomMAC = randomMAC
        self.state = state
        self.router = router
    }

    /// The family of the neighbour's address.
    public var family: IPFamily { address.family }

    /// Parses an entry as `ip neigh` prints it (`ADDR dev DEV [lladdr MAC] [router] STATE…`)
    /// or as `ip neigh add` takes it (`[to] ADDR [lladdr MAC] [nud STATE] dev DEV [router]`).
    ///
    /// `dev` is required. Without a state the entry is `PERMANENT`, as for `ip neigh add`.
    /// - Throws: ``IPSyntaxError`` naming the bad token and the line.
    public init(parsing line: String) throws(IPSyntaxError) {
        var cursor = IPSyntaxCursor(line)
        guard !cursor.isEmpty else { throw .emptyLine(line) }
        var address: IPAddress?
        var device: String?
        var lladdr: (mac: MACAddress?, random: Bool)?
        var states: [String] = []
        var router = false

        func once(_ isSet: Bool, _ keyword: String) throws(IPSyntaxError) {
            if isSet { throw .duplicateKeyword(keyword, line: line) }
        }

        while let word = cursor.next() {
            switch word {
            case "dev":
                try once(device != nil, word)
                device = try cursor.argument(of: word)
            case "lladdr":
                try once(lladdr != nil, word)
                let token = try cursor.argument(of: word)
                if token == "<random>" {
                    lladdr = (nil, true)
                } else {
                    guard let mac = MACAddress(token) else { throw .invalidMAC(token, line: line) }
                    lladdr = (mac, false)
                }
            case "router":
                router = true
            case "nud":
                try once(!states.isEmpty, word)
                let token = try cursor.argument(of: word)
                guard Neighbour.states.contains(token.uppercased()), token == token.lowercased() else {
                    throw .invalidValue(token, keyword: word, line: line)
                }
                states.append(token.uppercased())
            case "to":
                try once(address != nil, word)
                address = try cursor.address(of: word)
            case _ where Neighbour.states.contains(word):
                states.append(word)
            default:
                guard address == nil else { throw .unknownKeyword(word, line: line) }
                guard IPSyntaxCursor.looksLikeAddress(word) else { throw .unknownKeyword(word, line: line) }
                address = try cursor.address(word)
            }
        }
        guard let address else { throw .missingField("address", line: line) }
        guard let device else { throw .missingField("dev", line: line) }
        self.init(address: address, device: device, lladdr: lladdr?.mac, randomMAC: lladdr?.random ?? false,
                  state: states.isEmpty ? "PERMANENT" : states.joined(separator: " "), router: router)
    }

    /// `lladdr MAC` (or `lladdr <random>`), when there is one.
    private var lladdrWords: [String] {
        if randomMAC { return ["lladdr", "<random>"] }
        return lladdr.map { ["lladdr", $0.description] } ?? []
    }

    /// `ADDR dev DEV [lladdr MAC] [router] STATE`, as `ip neigh` prints it.
    public var description: String {
        ([address.description, "dev", device] + lladdrWords + (router ? ["router"] : []) + [state])
            .joined(separator: " ")
    }

    /// The arguments of `ip neigh add` (or `replace`) that recreate the entry, for example
    /// `["10.6.212.132", "dev", "eth0", "lladdr", "ee:ee:ee:ee:ee:ee", "nud", "permanent"]`.
    /// A ``randomMAC`` entry keeps the `<random>` placeholder, which `ip` does not take.
    public var command: [String] {
        [address.description, "dev", device] + lladdrWords + (router ? ["router"] : [])
            + state.split(separator: " ").flatMap { ["nud", $0.lowercased()] }
    }
}
