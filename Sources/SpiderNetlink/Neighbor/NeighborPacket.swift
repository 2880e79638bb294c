import SpiderCore

/// The ARP and ICMPv6 neighbour discovery messages the coordinator sends and reads, as bytes
/// (the link header is the packet socket's: these start at the ARP or IPv6 header).
public enum NeighborPacket {
    /// What an ARP message says.
    public struct ARP: Sendable, Hashable {
        /// 1 request, 2 reply.
        public var operation: UInt16
        public var senderMAC: MACAddress
        public var senderIP: IPAddress
        public var targetMAC: MACAddress
        public var targetIP: IPAddress

        public init(operation: UInt16, senderMAC: MACAddress, senderIP: IPAddress, targetMAC: MACAddress, targetIP: IPAddress) {
            self.operation = operation
            self.senderMAC = senderMAC
            self.senderIP = senderIP
            self.targetMAC = targetMAC
            self.targetIP = targetIP
        }

        /// 28 bytes: Ethernet and IPv4 ARP.
        public var bytes: [UInt8] {
            var out: [UInt8] = [0x00, 0x01, 0x08, 0x00, 6, 4, UInt8(operation >> 8), UInt8(operation & 0xff)]
            out += senderMAC.bytes + NeighborPacket.bytes(senderIP) + targetMAC.bytes + NeighborPacket.bytes(targetIP)
            return out
        }

        /// Reads an Ethernet/IPv4 ARP message; `nil` for anything else or a short one.
        public init?(_ bytes: some Collection<UInt8>) {
            let b = Array(bytes.prefix(28))
            guard b.count == 28, b[0] == 0, b[1] == 1, b[2] == 0x08, b[3] == 0, b[4] == 6, b[5] == 4,
                  let senderMAC = MACAddress(bytes: Array(b[8..<14])), let targetMAC = MACAddress(bytes: Array(b[18..<24])) else { return nil }
            self.init(operation: UInt16(b[6]) << 8 | UInt16(b[7]), senderMAC: senderMAC, senderIP: NeighborPacket.ipv4(b[14..<18]),
                      targetMAC: targetMAC, targetIP: NeighborPacket.ipv4(b[24..<28]))
        }
    }

    /// An ARP probe (RFC 5227): who has `address`, asked from 0.0.0.0.
    public static func arpProbe(for address: IPAddress, from mac: MACAddress) -> [UInt8] {
        ARP(operation: 1, senderMAC: mac, senderIP: zeroIPv4, targetMAC: .zero, targetIP: address).bytes
    }

    /// An ARP request for `target`, asked from `source`.
    public static func arpRequest(for target: IPAddress, from source: IPAddress, mac: MACAddress) -> [UInt8] {
        ARP(operation: 1, senderMAC: mac, senderIP: source, targetMAC: .zero, targetIP: target).bytes
    }

    /// An ARP announcement (RFC 5227): `address` is at `mac` (a gratuitous request, sender and
    /// target address both `address`).
    public static func arpAnnouncement(of address: IPAddress, at mac: MACAddress) -> [UInt8] {
        ARP(operation: 1, senderMAC: mac, senderIP: address, targetMAC: .zero, targetIP: address).bytes
    }

    // MARK: IPv6

    /// `ff02::1:ffXX:XXXX` for `address`.
    public static func solicitedNode(_ address: IPAddress) -> IPAddress {
        IPAddress(family: .v6, value: (UInt128(0xff02) << 112) | (UInt128(0x1_ff) << 24) | (address.value & 0xff_ffff))
    }

    /// The Ethernet multicast address of an IPv6 multicast group (`33:33` and its last 4 bytes).
    public static func multicastMAC(_ group: IPAddress) -> MACAddress {
        MACAddress(value: 0x3333_0000_0000 | UInt64(group.value & 0xffff_ffff)) ?? .broadcast
    }

    /// `ff02::1`, every node on the link.
    public static let allNodes = IPAddress(family: .v6, value: UInt128(0xff02) << 112 | 1)

    /// A neighbour solicitation for `target`. From `::` (duplicate address detection: no source
    /// link-layer option) or from `source` with one.
    public static func neighborSolicitation(for target: IPAddress, from source: IPAddress?, mac: MACAddress) -> (packet: [UInt8], destination: MACAddress) {
        let group = solicitedNode(target)
        var icmp: [UInt8] = [135, 0, 0, 0, 0, 0, 0, 0] + bytes(target)
        if source != nil { icmp += [1, 1] + mac.bytes }
        return (ipv6(source: source ?? zeroIPv6, destination: group, icmp: icmp), multicastMAC(group))
    }

    /// An unsolicited neighbour advertisement: `address` is at `mac` (override set), to every node.
    public static func neighborAdvertisement(of address: IPAddress, at mac: MACAddress) -> (packet: [UInt8], destination: MACAddress) {
        let icmp: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0] + bytes(address) + [2, 1] + mac.bytes
        return (ipv6(source: address, destination: allNodes, icmp: icmp), multicastMAC(allNodes))
    }

    /// What a neighbour advertisement says: its target and the link-layer address it gives
    /// (its target link-layer option), if any.
    public struct Advertisement: Sendable, Hashable {
        public var target: IPAddress
        public var mac: MACAddress?
    }

    /// Reads an IPv6 packet carrying a neighbour advertisement (no extension headers); `nil`
    /// for anything else.
    public static func advertisement(_ packet: some Collection<UInt8>) -> Advertisement? {
        let b = Array(packet)
        guard b.count >= 40 + 24, b[0] >> 4 == 6, b[6] == 58, b[40] == 136, b[41] == 0 else { return nil }
        let target = ipv6(b[48..<64])
        var mac: MACAddress?
        var offset = 64
        while offset + 8 <= b.count {
            let length = Int(b[offset + 1]) * 8
            guard length > 0, offset + length <= b.count else { break }
            if b[offset] == 2, length >= 8 { mac = MACAddress(bytes: Array(b[(offset + 2)..<(offset + 8)])) }
            offset += length
        }
        return Advertisement(target: target, mac: mac)
    }

    // MARK: Bytes

    static let zeroIPv4 = IPAddress(family: .v4, value: 0)
    static let zeroIPv6 = IPAddress(family: .v6, value: 0)

    /// The address in network byte order (4 or 16 bytes).
    static func bytes(_ address: IPAddress) -> [UInt8] {
        let count = address.family == .v4 ? 4 : 16
        return (0..<count).map { UInt8(truncatingIfNeeded: address.value >> (8 * (count - 1 - $0))) }
    }

    static func ipv4(_ bytes: ArraySlice<UInt8>) -> IPAddress {
        IPAddress(family: .v4, value: bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
    }

    static func ipv6(_ bytes: ArraySlice<UInt8>) -> IPAddress {
        IPAddress(family: .v6, value: bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) })
    }

    /// An IPv6 header (hop limit 255, as neighbour discovery requires) around an ICMPv6
    /// message, its checksum filled in.
    static func ipv6(source: IPAddress, destination: IPAddress, icmp: [UInt8]) -> [UInt8] {
        var message = icmp
        let length = message.count
        var pseudo = bytes(source) + bytes(destination)
        pseudo += [UInt8(length >> 24 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), 0, 0, 0, 58]
        let sum = checksum(pseudo + message)
        message[2] = UInt8(sum >> 8)
        message[3] = UInt8(sum & 0xff)
        let header: [UInt8] = [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xff), 58, 255]
        return header + bytes(source) + bytes(destination) + message
    }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
