/// A network interface as the golden files describe it (`ip -d link` in JSON form).
///
/// ```json
/// {"name": "net1", "index": 6, "kind": "macvlan", "mac": "4e:7e:56:bb:05:6e", "mtu": 1500,
///  "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], "master": "ens192", "masterIndex": 2}
/// ```
///
/// The JSON keys are the golden files': `name`, `index`, `kind`, `mac`, `mtu`, `flags`,
/// `peerIndex`, `peer`, `master`, `masterIndex`, `txqueuelen`, plus `linkNetnsID` and `alias`. Absent
/// optional keys are `nil` and are left out when encoding. The golden files' expectations list
/// links a call creates without an `index` (decoded as 0, "not assigned yet", and then left out
/// when encoding) and with `"mac": "<random>"` (decoded as ``mac`` `nil` and ``randomMAC``).
/// Keys that are not a link's (an expectation's `addresses`) are ignored.
public struct Link: Sendable, Hashable, Codable {
    /// The interface name (`eth0`).
    public var name: String
    /// The interface index in its namespace; 0 when not known or not assigned yet.
    public var index: Int
    /// The kind of interface.
    public var kind: LinkKind
    /// The MAC address, when known.
    public var mac: MACAddress?
    /// Whether the MAC is "whatever the plugin generated" (`<random>` in the golden files).
    public var randomMAC: Bool
    /// The MTU.
    public var mtu: Int
    /// The interface flags.
    public var flags: LinkFlags
    /// For a veth whose other end is in another namespace: that end's index (`eth0@if5`).
    public var peerIndex: Int?
    /// For a veth whose other end is in the same namespace: that end's name.
    public var peer: String?
    /// The bridge a port belongs to, or the parent link of a macvlan/ipvlan/vlan.
    public var master: String?
    /// For a pod macvlan: the parent link's index in the node (`net1@if2`).
    public var masterIndex: Int?
    /// The transmit queue length, when recorded.
    public var txqueuelen: Int?
    /// The namespace ID (as this namespace knows it) of the namespace the peer or parent is in.
    public var linkNetnsID: Int?
    /// The link's alias (`ip link set NAME alias TEXT`, `IFLA_IFALIAS`). The coordinator marks
    /// the node end of a Pod's veth with it (``CoordinatorInvocation/ownerMark``).
    public var alias: String?

    /// A link; every optional attribute defaults to absent.
    public init(
        name: String,
        index: Int,
        kind: LinkKind,
        mac: MACAddress? = nil,
        randomMAC: Bool = false,
        mtu: Int = 1500,
        flags: LinkFlags = [],
        peerIndex: Int? = nil,
        peer: String? = nil,
        master: String? = nil,
        masterIndex: Int? = nil,
        txqueuelen: Int? = nil,
        linkNetnsID: Int? = nil,
        alias: String? = nil
    ) {
        self.name = name
        self.index = index
        self.kind = kind
        self.mac = mac
        self.randomMAC = randomMAC
        self.mtu = mtu
        self.flags = flags
        self.peerIndex = peerIndex
        self.peer = peer
        self.master = master
        self.masterIndex = masterIndex
        self.txqueuelen = txqueuelen
        self.linkNetnsID = linkNetnsID
        self.alias = alias
    }

    /// Whether the interface is administratively up (`UP`), whatever its carrier.
    public var isUp: Bool { flags.contains(.up) }

    /// Whether the interface is up and has a carrier (`UP` and `LOWER_UP`).
    public var isOperational: Bool { flags.contains([.up, .lowerUp]) }

    private enum CodingKeys: String, CodingKey {
        case name, index, kind, mac, mtu, flags, peerIndex, peer, master, masterIndex, txqueuelen, linkNetnsID, alias
    }

    /// The golden files' placeholder for a generated MAC.
    private static let randomMACText = "<random>"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
        kind = try container.decode(LinkKind.self, forKey: .kind)
        if let text = try container.decodeIfPresent(String.self, forKey: .mac) {
            if text == Link.randomMACText {
                mac = nil
                randomMAC = true
            } else {
                guard let address = MACAddress(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .mac, in: container, debugDescription: "invalid MAC address '\(text)'")
                }
                mac = address
                randomMAC = false
            }
        } else {
            mac = nil
            randomMAC = false
        }
        mtu = try container.decode(Int.self, forKey: .mtu)
        flags = try container.decodeIfPresent(LinkFlags.self, forKey: .flags) ?? []
        peerIndex = try container.decodeIfPresent(Int.self, forKey: .peerIndex)
        peer = try container.decodeIfPresent(String.self, forKey: .peer)
        master = try container.decodeIfPresent(String.self, forKey: .master)
        masterIndex = try container.decodeIfPresent(Int.self, forKey: .masterIndex)
        txqueuelen = try container.decodeIfPresent(Int.self, forKey: .txqueuelen)
        linkNetnsID = try container.decodeIfPresent(Int.self, forKey: .linkNetnsID)
        alias = try container.decodeIfPresent(String.self, forKey: .alias)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        if index != 0 { try container.encode(index, forKey: .index) }
        try container.encode(kind, forKey: .kind)
        if randomMAC {
            try container.encode(Link.randomMACText, forKey: .mac)
        } else {
            try container.encodeIfPresent(mac, forKey: .mac)
        }
        try container.encode(mtu, forKey: .mtu)
        try container.encode(flags, forKey: .flags)
        try container.encodeIfPresent(peerIndex, forKey: .peerIndex)
        try container.encodeIfPresent(peer, forKey: .peer)
        try container.encodeIfPresent(master, forKey: .master)
        try container.encodeIfPresent(masterIndex, forKey: .masterIndex)
        try container.encodeIfPresent(txqueuelen, forKey: .txqueuelen)
        try container.encodeIfPresent(linkNetnsID, forKey: .linkNetnsID)
        try container.encodeIfPresent(alias, forKey: .alias)
    }
}
