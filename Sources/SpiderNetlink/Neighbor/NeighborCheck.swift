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

    /// Opens one packet socket on the NIC inside `namespace` (every protocol, so one socket
    /// serves ARP and IPv6): a packet socket costs the kernel a network-wide synchronisation
    /// when it is closed, so a CNI call opens one and uses it for detection and announcement.
    public static func open(in namespace: NetworkNamespace, session: NamespaceSession? = nil, interface: Interface) throws(NetlinkError) -> NeighborPort {
        let worker = if let session { try session.worker(for: namespace) } else { try NamespaceWorker(namespace) }
        defer { if session == nil { worker.stop() } }
        let socket = try worker.perform { (_: NamespaceWorker) throws(NetlinkError) -> PacketSocket in
            try PacketSocket(protocol: UInt16(ETH_P_ALL), interface: interface.index)
        }
        return NeighborPort(socket: socket, interface: interface)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// One packet socket on a NIC, opened inside its namespace (``NeighborCheck/open(in:session:interface:)``):
/// IP conflict and gateway detection, and announcements. Close it when done.
public final class NeighborPort: @unchecked Sendable {
    let socket: PacketSocket
    /// The NIC, with the MAC the port's messages carry.
    public var interface: NeighborCheck.Interface
    private var closed = false

    init(socket: PacketSocket, interface: NeighborCheck.Interface) {
        self.socket = socket
        self.interface = interface
    }

    deinit { close() }

    /// Closes the socket (once).
    public func close() {
        guard !closed else { return }
        closed = true
        socket.close()
    }

    /// Probes `addresses` for conflicts and resolves `gateways`, all at once: `settings.retries`
    /// rounds `settings.interval` apart, then `settings.timeout` for the answers. Ends early at
    /// the first conflict, or when every gateway answered and no conflict is checked.
    /// - Returns: what was found wrong; empty when everything is clean.
    public func detect(addresses: [IPAddress], gateways: [NeighborCheck.Gateway], settings: NeighborDetection) throws(NetlinkError) -> [NeighborCheck.Finding] {
        let mac = interface.mac
        let start = PacketSocket.now()
        let interval = NeighborCheck.nanoseconds(settings.interval), timeout = NeighborCheck.nanoseconds(settings.timeout)
        let deadline = start + interval * Int64(settings.retries - 1) + timeout
        var pendingGateways = Set(gateways.map(\.address))
        var conflicts: [NeighborCheck.Finding] = []
        func conflict(_ address: IPAddress, _ from: MACAddress) {
            guard addresses.contains(address), from != mac,
                  !conflicts.contains(where: { if case .conflict(address, _) = $0 { true } else { false } }) else { return }
            conflicts.append(.conflict(address: address, mac: from))
        }
        var sent = 0
        var nextSend = start
        var buffer = [UInt8](repeating: 0, count: 2048)
        while true {
            let now = PacketSocket.now()
            if !conflicts.isEmpty || now >= deadline || (addresses.isEmpty && pendingGateways.isEmpty) { break }
            if sent < settings.retries && now >= nextSend {
                for address in addresses {
                    if address.family == .v4 {
                        try socket.send(NeighborPacket.arpProbe(for: address, from: mac), protocol: UInt16(ETH_P_ARP), to: .broadcast)
                    } else {
                        let (packet, destination) = NeighborPacket.neighborSolicitation(for: address, from: nil, mac: mac)
                        try socket.send(packet, protocol: UInt16(ETH_P_IPV6), to: destination)
                    }
                }
                for gateway in gateways where pendingGateways.contains(gateway.address) {
                    if gateway.address.family == .v4 {
                        try socket.send(NeighborPacket.arpRequest(for: gateway.address, from: gateway.source, mac: mac),
                                        protocol: UInt16(ETH_P_ARP), to: .broadcast)
                    } else {
                        let (packet, destination) = NeighborPacket.neighborSolicitation(for: gateway.address, from: gateway.source, mac: mac)
                        try socket.send(packet, protocol: UInt16(ETH_P_IPV6), to: destination)
                    }
                }
                sent += 1
                nextSend += interval
                continue
            }
            let wake = sent < settings.retries ? min(nextSend, deadline) : deadline
            var entry = pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(max(0, min((wake - now + 999_999) / 1_000_000, 10_000))))
            if ready < 0 && errno != EINTR { throw .system(operation: "poll", errno: errno) }
            guard ready > 0 else { continue }
            while let datagram = try socket.receive(into: &buffer) {
                guard !datagram.outgoing else { continue }
                let bytes = buffer[0..<datagram.count]
                if datagram.protocol == UInt16(ETH_P_ARP), let message = NeighborPacket.ARP(bytes) {
                    conflict(message.senderIP, message.senderMAC)
                    if message.senderMAC != mac { pendingGateways.remove(message.senderIP) }
                } else if datagram.protocol == UInt16(ETH_P_IPV6), let advertisement = NeighborPacket.advertisement(bytes),
                          let from = advertisement.mac ?? datagram.source, from != mac {
                    conflict(advertisement.target, from)
                    pendingGateways.remove(advertisement.target)
                }
            }
        }
        if !conflicts.isEmpty { return conflicts }
        return gateways.map(\.address).filter { pendingGateways.contains($0) }.map { .gatewayUnreachable($0) }
    }

    /// Announces `addresses` at the port's MAC: an ARP announcement for each IPv4 address, an
    /// unsolicited neighbour advertisement for each IPv6 one.
    public func announce(_ addresses: [IPAddress]) throws(NetlinkError) {
        for address in addresses {
            if address.family == .v4 {
                try socket.send(NeighborPacket.arpAnnouncement(of: address, at: interface.mac), protocol: UInt16(ETH_P_ARP), to: .broadcast)
            } else {
                let (packet, destination) = NeighborPacket.neighborAdvertisement(of: address, at: interface.mac)
                try socket.send(packet, protocol: UInt16(ETH_P_IPV6), to: destination)
            }
        }
    }
}

/// A datagram packet socket (`AF_PACKET`, `SOCK_DGRAM`) bound to one NIC: the kernel writes
/// and strips the link header. Created with no protocol and bound once with one, so the kernel
/// registers its receive hook a single time.
struct PacketSocket {
    let descriptor: Int32
    let protocolNumber: UInt16
    let interface: Int

    init(protocol number: UInt16, interface: Int) throws(NetlinkError) {
        protocolNumber = number
        self.interface = interface
        descriptor = socket(AF_PACKET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
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

    /// Sends one datagram of Ethernet protocol `number` to `destination` (a link-layer address).
    func send(_ bytes: [UInt8], protocol number: UInt16, to destination: MACAddress) throws(NetlinkError) {
        var address = sockaddr_ll()
        address.sll_family = UInt16(AF_PACKET)
        address.sll_protocol = number.bigEndian
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

    /// One waiting datagram: its length, Ethernet protocol, the sender's link-layer address and
    /// whether it is one of ours going out; `nil` when none is waiting.
    func receive(into buffer: inout [UInt8]) throws(NetlinkError) -> (count: Int, protocol: UInt16, source: MACAddress?, outgoing: Bool)? {
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
            return (min(count, buffer.count), UInt16(bigEndian: address.sll_protocol), source, address.sll_pkttype == UInt8(PACKET_OUTGOING))
        }
    }

    /// The monotonic clock in nanoseconds.
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
