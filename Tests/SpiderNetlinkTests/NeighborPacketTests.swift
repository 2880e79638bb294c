import SpiderCore
import SpiderNetlink
import Testing

@Suite("neighbour packets: ARP and ICMPv6 neighbour discovery bytes")
struct NeighborPacketTests {
    let mac = MACAddress("0a:1b:0a:06:d4:c8")!

    @Test("an ARP probe asks from 0.0.0.0, an announcement names the address twice, and both read back")
    func arp() throws {
        let address = IPAddress("10.6.212.200")!
        let probe = NeighborPacket.arpProbe(for: address, from: mac)
        #expect(probe.count == 28)
        let read = try #require(NeighborPacket.ARP(probe))
        #expect(read.operation == 1 && read.senderMAC == mac && read.senderIP == IPAddress("0.0.0.0")! && read.targetIP == address)
        let announcement = try #require(NeighborPacket.ARP(NeighborPacket.arpAnnouncement(of: address, at: mac)))
        #expect(announcement.senderIP == address && announcement.targetIP == address && announcement.targetMAC == .zero)
        #expect(NeighborPacket.ARP(probe.prefix(27)) == nil, "a short message is not read")
        var ipv6Hardware = probe
        ipv6Hardware[2] = 0x86
        #expect(NeighborPacket.ARP(ipv6Hardware) == nil, "another protocol is not read")
    }

    @Test("a solicitation goes to the solicited-node group, with a valid checksum and a source option only when it has a source")
    func solicitation() throws {
        let target = IPAddress("fd00:6::1:2:3")!
        #expect(NeighborPacket.solicitedNode(target) == IPAddress("ff02::1:ff02:3")!)
        let (dad, destination) = NeighborPacket.neighborSolicitation(for: target, from: nil, mac: mac)
        #expect(destination == MACAddress("33:33:ff:02:00:03")!)
        #expect(dad.count == 40 + 24, "from :: there is no source link-layer option")
        #expect(dad[6] == 58 && dad[7] == 255 && dad[40] == 135)
        #expect(Self.checksumHolds(dad))
        let (asked, _) = NeighborPacket.neighborSolicitation(for: target, from: IPAddress("fd00:6::77")!, mac: mac)
        #expect(asked.count == 40 + 32 && asked[64] == 1 && Array(asked[66..<72]) == mac.bytes)
        #expect(Self.checksumHolds(asked))
    }

    @Test("an unsolicited advertisement overrides, goes to every node, and reads back with its link-layer address")
    func advertisement() throws {
        let address = IPAddress("fd00:6::200")!
        let (packet, destination) = NeighborPacket.neighborAdvertisement(of: address, at: mac)
        #expect(destination == MACAddress("33:33:00:00:00:01")!)
        #expect(packet[40] == 136 && packet[44] == 0x20, "override set, not solicited")
        #expect(Self.checksumHolds(packet))
        let read = try #require(NeighborPacket.advertisement(packet))
        #expect(read.target == address && read.mac == mac)
        #expect(NeighborPacket.advertisement(packet.prefix(60)) == nil)
        var solicitation = packet
        solicitation[40] = 135
        #expect(NeighborPacket.advertisement(solicitation) == nil)
    }

    /// The ICMPv6 checksum over the pseudo-header and the message sums to 0xffff.
    static func checksumHolds(_ packet: [UInt8]) -> Bool {
        let length = packet.count - 40
        var words = Array(packet[8..<40]) + [0, 0, UInt8(length >> 8), UInt8(length & 0xff), 0, 0, 0, 58] + Array(packet[40...])
        if words.count % 2 == 1 { words.append(0) }
        var sum: UInt32 = 0
        for index in stride(from: 0, to: words.count, by: 2) { sum += UInt32(words[index]) << 8 | UInt32(words[index + 1]) }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return sum == 0xffff
    }
}
