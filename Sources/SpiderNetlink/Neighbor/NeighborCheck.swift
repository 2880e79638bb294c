import CNetlinkShim
import SpiderCore
#if canImport(Glibc)
import Glibc
#endif

/// IP conflict and gateway detection, and announcements, on a NIC inside a namespace: ARP and
/// neighbour discovery over packet sockets (`AF_PACKET`), run on the namespace's worker thread.
///
/// Every socket is bound to the NIC and closed on every path; reads retry `EINTR` and take a
/// whole datagram or nothing; the work ends at its deadline whatever arrives.
public enum NeighborCheck {
    /// The NIC: its name (for messages), index and current MAC.
    public struct Interface: Sendable, Hashable {
        public var name: String
        public var index: Int
        public var mac: MACAddress
        public init(name: String, index: Int, mac: MACAddress) {
            self.name = name
            self.index = index
            self.mac = mac
        }
    }

    /// What a check found wrong.
    public enum Finding: Sendable, Hashable, CustomStringConvertible {
        /// Another MAC answers for one of the NIC's addresses.
        case conflict(address: IPAddress, mac: MACAddress)
        /// A gateway did not answer within the bound.
        case gatewayUnreachable(IPAddress)

        public var description: String {
            switch self {
            case .conflict(let address, let mac): "\(address) is already used by \(mac)"
            case .gatewayUnreachable(let gateway): "gateway \(gateway) did not answer"
            }
        }
    }

    /// A gateway to resolve, and the NIC address to ask from.
    public struct Gateway: Sendable, Hashable {
        public var address: IPAddress
        public var source: IPAddress
        public init(address: IPAddress, source: IPAddress) {
            self.address = address
            self.source = source
        }
    }

    /// Probes `addresses` for conflicts and resolves `gateways`, all at once: `settings.retries`
    /// rounds `settings.interval` apart, then `settings.timeout` for the answers. Ends early at
    /// the first conflict, or when every gateway answered and no conflict is checked.
    /// - Returns: what was found wrong; empty when everything is clean.
    public static func detect(in namespace: NetworkNamespace, session: NamespaceSession? = nil, interface: Interface,
                              addresses: [IPAddress], gateways: [Gateway], settings: NeighborDetection) throws(NetlinkError) -> [Finding] {
        try run(in: namespace, session: session) { () throws(NetlinkError) -> [Finding] in
            try probe(interface: interface, addresses: addresses, gateways: gateways, settings: settings)
        }
    }

    /// Announces `addresses` at the NIC's current MAC: an ARP announcement for each IPv4
    /// address, an unsolicited neighbour advertisement for each IPv6 one.
    public static func announce(in namespace: NetworkNamespace, session: NamespaceSession? = nil, interface: Interface,
                                addresses: [IPAddress]) throws(NetlinkError) {
        try run(in: namespace, session: session) { () throws(NetlinkError) in
            let v4 = addresses.filter { $0.family == .v4 }, v6 = addresses.filter { $0.family == .v6 }
            if !v4.isEmpty {
                let socket = try PacketSocket(protocol: UInt16(ETH_P_ARP), interface: interface.index)
                defer { socket.close() }
                for address in v4 { try socket.send(NeighborPacket.arpAnnouncement(of: address, at: interface.mac), to: .broadcast) }
            }
            if !v6.isEmpty {
                let socket = try PacketSocket(protocol: UInt16(ETH_P_IPV6), interface: interface.index)
                defer { socket.close() }
                for address in v6 {
                    let (packet, destination) = NeighborPacket.neighborAdvertisement(of: address, at: interface.mac)
                    try socket.send(packet, to: destination)
                }
            }
        }
    }

    static func run<T>(in namespace: NetworkNamespace, session: NamespaceSession?, _ body: @escaping () throws(NetlinkError) -> T) throws(NetlinkError) -> T {
        let worker = if let session { try session.worker(for: namespace) } else { try NamespaceWorker(namespace) }
        defer { if session == nil { worker.stop() } }
        return try worker.perform { (_: NamespaceWorker) throws(NetlinkError) -> T in try body() }
    }

    /// The checks, on the calling thread (inside the namespace).
    static func probe(interface: Interface, addresses: [IPAddress], gateways: [Gateway],
                      settings: NeighborDetection) throws(NetlinkError) -> [Finding] {
        let families = Set(addresses.map(\.family) + gateways.map(\.address.family))
        let arp = families.contains(.v4) ? try PacketSocket(protocol: UInt16(ETH_P_ARP), interface: interface.index) : nil
        defer { arp?.close() }
        let ipv6: PacketSocket?
        do { ipv6 = families.contains(.v6) ? try PacketSocket(protocol: UInt16(ETH_P_IPV6), interface: interface.index) : nil } catch {
            throw error
        }
        defer { ipv6?.close() }
        let start = PacketSocket.now()
        let interval = nanoseconds(settings.interval), timeout = nanoseconds(settings.timeout)
        let deadline = start + interval * Int64(settings.retries - 1) + timeout
        var pendingGateways = Set(gateways.map(\.address))
        var conflicts: [Finding] = []
        var sent = 0
        var nextSend = start
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let now = PacketSocket.now()
            if !conflicts.isEmpty || now >= deadline || (addresses.isEmpty && pendingGateways.isEmpty) { break }
            if sent < settings.retries && now >= nextSend {
                for address in addresses {
                    if address.family == .v4 {
                        try arp?.send(NeighborPacket.arpProbe(for: address, from: interface.mac), to: .broadcast)
                    } else {
                        let (packet, destination) = NeighborPacket.neighborSolicitation(for: address, from: nil, mac: interface.mac)
                        try ipv6?.send(packet, to: destination)
                    }
                }
                for gateway in gateways where pendingGateways.contains(gateway.address) {
                    if gateway.address.family == .v4 {
                        try arp?.send(NeighborPacket.arpRequest(for: gateway.address, from: gateway.source, mac: interface.mac), to: .broadcast)
                    } else {
                        let (packet, destination) = NeighborPacket.neighborSolicitation(for: gateway.address, from: gateway.source, mac: interface.mac)
                        try ipv6?.send(packet, to: destination)
                    }
                }
                sent += 1
                nextSend += interval
                continue
            }
            let wake = sent < settings.retries ? min(nextSend, deadline) : deadline
            var entries = [arp, ipv6].compactMap { $0 }.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            let waitMilliseconds = Int32(max(0, min((wake - now + 999_999) / 1_000_000, 10_000)))
            let ready = poll(&entries, nfds_t(entries.count), waitMilliseconds)
            if ready < 0 && errno != EINTR { throw .system(operation: "poll", errno: errno) }
            guard ready > 0 else { continue }
            if let arp {
                while let (count, source, outgoing) = try arp.receive(into: &buffer) {
                    guard !outgoing, let message = NeighborPacket.ARP(buffer[0..<count]) else { continue }
                    let from = message.senderMAC
                    if from != interface.mac, addresses.contains(message.senderIP), !conflicts.contains(where: { if case .conflict(message.senderIP, _) = $0 { true } else { false } }) {
                        conflicts.append(.conflict(address: message.senderIP, mac: from))
                    }
                    if pendingGateways.contains(message.senderIP), from != interface.mac { pendingGateways.remove(message.senderIP) }
                    _ = source
                }
            }
            if let ipv6 {
                while let (count, source, outgoing) = try ipv6.receive(into: &buffer) {
                    guard !outgoing, let advertisement = NeighborPacket.advertisement(buffer[0..<count]) else { continue }
                    let from = advertisement.mac ?? source
                    guard from != interface.mac else { continue }
                    if addresses.contains(advertisement.target), !conflicts.contains(where: { if case .conflict(advertisement.target, _) = $0 { true } else { false } }) {
                        conflicts.append(.conflict(address: advertisement.target, mac: from ?? .zero))
                    }
                    pendingGateways.remove(advertisement.target)
                }
            }
        }
        if !conflicts.isEmpty { return conflicts }
        return gateways.map(\.address).filter { pendingGateways.contains($0) }.map { .gatewayUnreachable($0) }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// A datagram packet socket (`AF_PACKET`, `SOCK_DGRAM`) bound to one NIC and one Ethernet
/// protocol: the kernel writes and strips the link header.
struct PacketSocket {
    let descriptor: Int32
    let protocolNumber: UInt16
    let interface: Int

    init(protocol number: UInt16, interface: Int) throws(NetlinkError) {
        protocolNumber = number
        self.interface = interface
        descriptor = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue),
                            Int32(number.bigEndian))
        guard descriptor >= 0 else { throw .system(operation: "socket(AF_PACKET)", errno: errno) }
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = number.bigEndian
        address.sll_ifindex = Int32(interface)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_ll>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw .system(operation: "bind(AF_PACKET)", errno: code)
        }
    }

    func close() { _ = Glibc.close(descriptor) }

    /// Sends one datagram to `destination` (a link-layer address).
    func send(_ bytes: [UInt8], to destination: MACAddress) throws(NetlinkError) {
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = protocolNumber.bigEndian
        address.sll_ifindex = Int32(interface)
        address.sll_halen = 6
        withUnsafeMutableBytes(of: &address.sll_addr) { buffer in
            for (index, byte) in destination.bytes.enumerated() { buffer[index] = byte }
        }
        while true {
            let count = bytes.withUnsafeBytes { data in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, data.baseAddress, data.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_ll>.size))
                    }
                }
            }
            if count == bytes.count { return }
            if count < 0 && errno == EINTR { continue }
            // A full queue drops the probe like the wire would; the next round sends it again.
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) { return }
            throw .system(operation: "sendto(AF_PACKET)", errno: count < 0 ? errno : EIO)
        }
    }

    /// One waiting datagram: its length, the sender's link-layer address and whether it is one
    /// of ours going out; `nil` when none is waiting.
    func receive(into buffer: inout [UInt8]) throws(NetlinkError) -> (count: Int, source: MACAddress?, outgoing: Bool)? {
        var address = sockaddr_ll()
        var length = socklen_t(MemoryLayout<sockaddr_ll>.size)
        while true {
            let count = buffer.withUnsafeMutableBytes { data in
                withUnsafeMutablePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, data.baseAddress, data.count, Int32(MSG_TRUNC), $0, &length) }
                }
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
                throw .system(operation: "recvfrom(AF_PACKET)", errno: errno)
            }
            let source = address.sll_halen == 6 ? withUnsafeBytes(of: address.sll_addr) { MACAddress(bytes: Array($0.prefix(6))) } : nil
            // MSG_TRUNC reports the whole length: a datagram longer than the buffer is cut, and
            // its first bytes (all a neighbour message needs) are read.
            return (min(count, buffer.count), source, address.sll_pkttype == UInt8(PACKET_OUTGOING))
        }
    }

    /// The monotonic clock in nanoseconds.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
