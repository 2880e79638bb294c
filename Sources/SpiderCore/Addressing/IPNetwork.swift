/// A CIDR: an address and a prefix length (`10.6.0.0/16`, `fd00::/64`).
///
/// The address is kept as written, host bits included (`172.18.40.10/24` is an interface
/// address); ``network`` clears them.
public struct IPNetwork: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The address as written, host bits included.
    public let address: IPAddress
    /// The prefix length: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// The CIDR `address/prefixLength`; `nil` if the length is out of range for the family.
    public init?(address: IPAddress, prefixLength: Int) {
        guard prefixLength >= 0, prefixLength <= address.family.bitWidth else { return nil }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// The single-address network of `address` (/32 or /128).
    public init(host address: IPAddress) {
        self.address = address
        self.prefixLength = address.family.bitWidth
    }

    /// Parses `ADDRESS/LENGTH` as Go's `net.ParseCIDR` does.
    ///
    /// Like Go, an IPv4-mapped IPv6 CIDR with a length of at least 96 (`::ffff:1.2.3.0/120`)
    /// is the IPv4 CIDR inside it (`1.2.3.0/24`).
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let addressText = String(text[..<slash])
        let lengthText = text[text.index(after: slash)...]
        guard !lengthText.isEmpty, lengthText.count <= 3, lengthText.allSatisfy(\.isASCII),
              lengthText.allSatisfy(\.isNumber), lengthText == "0" || !lengthText.hasPrefix("0"),
              let length = Int(lengthText)
        else { return nil }
        guard let address = IPAddress(addressText) else { return nil }
        if case .v6(let v6) = address, let v4 = v6.mappedIPv4, length >= 96, addressText.contains(".") {
            self.init(address: .v4(v4), prefixLength: length - 96)
        } else {
            self.init(address: address, prefixLength: length)
        }
    }

    /// Parses a CIDR of the given family, or throws Spiderpool's `invalid CIDR format` error.
    public static func parse(_ text: String, family: IPFamily) throws(AddressError) -> IPNetwork {
        guard let network = IPNetwork(text), network.family == family else { throw .invalidCIDRFormat(text, family) }
        return network
    }

    /// Parses a CIDR that must be written in network form (Spiderpool's `IsFormatCIDR`, used for
    /// pool subnets): `172.18.40.1/24` is refused with the form to use instead.
    public static func parseNetworkForm(_ text: String) throws(AddressError) -> IPNetwork {
        guard let network = IPNetwork(text) else { throw .invalidCIDRAddress(text) }
        let canonical = network.network.description
        guard canonical == text else { throw .unformattedSubnet(text, canonical: canonical) }
        return network
    }

    /// The value Spiderpool puts in the labels `ipam.spidernet.io/ippool-cidr` and
    /// `ipam.spidernet.io/subnet-cidr` (its `CIDRToLabelValue`): the text as written with the
    /// first three `.`, the first seven `:` and the `/` replaced by `-`.
    public static func labelValue(_ text: String, family: IPFamily) throws(AddressError) -> String {
        _ = try parse(text, family: family)
        var dots = 0, colons = 0, slashes = 0
        return String(text.map { character -> Character in
            switch character {
            case "." where dots < 3: dots += 1; return "-"
            case ":" where colons < 7: colons += 1; return "-"
            case "/" where slashes < 1: slashes += 1; return "-"
            default: return character
            }
        })
    }

    /// The family of the network.
    public var family: IPFamily { address.family }

    /// The bits that are not part of the prefix.
    var hostMask: UInt128 { IPAddress.maxValue(family) >> UInt128(prefixLength) }

    /// The first address of the network (host bits cleared).
    public var first: IPAddress { IPAddress(family: family, value: address.value & ~hostMask) }

    /// The last address of the network (host bits set).
    public var last: IPAddress { IPAddress(family: family, value: address.value | hostMask) }

    /// The same network with host bits cleared (`172.18.40.10/24` → `172.18.40.0/24`).
    public var network: IPNetwork { IPNetwork(checked: first, prefixLength: prefixLength) }

    /// Whether the address is already in network form.
    public var isNetworkForm: Bool { address == first }

    /// All the addresses of the network.
    public var range: IPRange { IPRange(uncheckedLower: first, upper: last) }

    /// The number of addresses in the network, 2^(bits − prefix).
    public var addressCount: AddressCount { range.count }

    /// Whether `address` lies in the network (network and broadcast addresses included).
    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && address.value & ~hostMask == first.value
    }

    /// Whether every address of `other` lies in this network.
    public func contains(_ other: IPNetwork) -> Bool {
        other.family == family && prefixLength <= other.prefixLength && contains(other.address)
    }

    /// Whether every address of `range` lies in this network.
    public func contains(_ range: IPRange) -> Bool { contains(range.lower) && contains(range.upper) }

    /// Whether the two networks share an address (aligned prefixes either nest or are disjoint).
    public func overlaps(_ other: IPNetwork) -> Bool { contains(other) || other.contains(self) }

    /// `address/prefixLength`, with the address in canonical text.
    public var description: String { "\(address)/\(prefixLength)" }

    init(checked address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let network = IPNetwork(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid CIDR '\(text)'"))
        }
        self = network
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
