import CNetlinkShim
#if canImport(Glibc)
import Glibc
#endif

/// A `NETLINK_ROUTE` socket in the namespace of the thread that creates it. It owns the
/// descriptor; every pointer stays inside this file.
final class NetlinkSocket {
    private let descriptor: Int32
    private let portID: UInt32
    private var sequence: UInt32
    /// The receive buffer, allocated once per socket and never zeroed: 32 KiB holds any one
    /// datagram of a route dump.
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 32768, alignment: 8)

    /// How long one receive waits for the kernel's answer, in seconds.
    static let receiveTimeout = 10

    init() throws(NetlinkError) {
        let descriptor = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard descriptor >= 0 else { throw .system(operation: "open netlink socket", errno: errno) }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        // The kernel picks the port ID; read it back to check that answers are ours.
        let named = bound == 0 ? withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        } : -1
        guard bound == 0, named == 0, length == socklen_t(MemoryLayout<sockaddr_nl>.size) else {
            let code = errno
            close(descriptor)
            throw .system(operation: "bind netlink socket", errno: code)
        }
        // Bounded waits: an answer that does not come within the timeout fails the call
        // (EAGAIN) instead of blocking it, and with it the node lock, for good.
        var timeout = timeval(tv_sec: NetlinkSocket.receiveTimeout, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.descriptor = descriptor
        portID = address.nl_pid
        sequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// What one received datagram says about the exchange.
    enum Progress {
        /// More datagrams follow.
        case more
        /// The answer is complete (`NLMSG_DONE`, or the acknowledgement of a change).
        case done
    }

    /// Sends `request` and returns the answer's messages: the dump's entries, or nothing for an
    /// acknowledged change. A kernel error throws ``NetlinkError/kernel(operation:errno:)``;
    /// a dump the kernel restarted throws it with `EINTR`.
    func exchange(_ request: NetlinkRequest, operation: String) throws(NetlinkError) -> [NetlinkMessage] {
        if let failure = request.failure { throw .requestTooLarge(operation: operation, reason: failure) }
        sequence &+= 1
        var bytes = request.bytes
        let seq = sequence
        // nlmsg_seq at offset 8, nlmsg_pid (0: from us to the kernel) at offset 12.
        bytes.replaceSubrange(8..<12, with: Bytes.host(seq))
        bytes.replaceSubrange(12..<16, with: Bytes.host(UInt32(0)))
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        while true {
            let sent = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(descriptor, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent == bytes.count else { throw .system(operation: "\(operation): send", errno: sent < 0 ? errno : EMSGSIZE) }
            break
        }

        var messages: [NetlinkMessage] = []
        while true {
            var sender = sockaddr_nl()
            var senderLength = socklen_t(MemoryLayout<sockaddr_nl>.size)
            // MSG_TRUNC: the datagram's real length, so that a truncated one is an error.
            let received = withUnsafeMutablePointer(to: &sender) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_TRUNC), $0, &senderLength)
                }
            }
            guard received >= 0 else {
                if errno == EINTR { continue }
                throw .system(operation: "\(operation): receive", errno: errno)
            }
            guard received <= buffer.count else { throw .system(operation: "\(operation): receive", errno: ENOSPC) }
            // Only the kernel (port 0) answers; anything else is not for us.
            guard sender.nl_pid == 0 else { continue }
            let datagram = UnsafeRawBufferPointer(rebasing: buffer[0..<received])
            if try NetlinkSocket.parse(datagram, seq: seq, portID: portID, into: &messages, operation: operation) == .done { break }
        }
        return messages
    }

    /// Reads the messages of one datagram into `messages`, as the netlink protocol lays them
    /// out: each `nlmsghdr` checked (length, our sequence number and port), `NLMSG_ERROR`
    /// turned into an error (or, with error 0, the acknowledgement that ends a change),
    /// `NLMSG_DONE` ending a dump.
    static func parse(_ datagram: UnsafeRawBufferPointer, seq: UInt32, portID: UInt32, into messages: inout [NetlinkMessage],
                      operation: String) throws(NetlinkError) -> Progress {
        var offset = datagram.startIndex
        func u32(_ at: Int) -> UInt32 { datagram.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
        func u16(_ at: Int) -> UInt16 { datagram.loadUnaligned(fromByteOffset: at, as: UInt16.self) }
        while datagram.endIndex - offset >= NetlinkRequest.headerLength {
            let length = Int(u32(offset))
            guard length >= NetlinkRequest.headerLength, length <= datagram.endIndex - offset else { break }
            let type = u16(offset + 4), flags = u16(offset + 6), messageSeq = u32(offset + 8), messagePort = u32(offset + 12)
            guard messagePort == 0 || portID == 0 || messagePort == portID else { throw .kernel(operation: operation, errno: ESRCH) }
            guard messageSeq == 0 || seq == 0 || messageSeq == seq else { throw .kernel(operation: operation, errno: EPROTO) }
            // The kernel restarted the dump while we read it (NLM_F_DUMP_INTR): read it again.
            if flags & UInt16(NLM_F_DUMP_INTR) != 0 { throw .kernel(operation: operation, errno: EINTR) }
            let payload = datagram[(offset + NetlinkRequest.headerLength)..<(offset + length)]
            switch Int32(type) {
            case NLMSG_DONE: return .done
            case NLMSG_ERROR:
                // struct nlmsgerr: int error, then the request's header.
                guard payload.count >= 4 + NetlinkRequest.headerLength else { throw .kernel(operation: operation, errno: EBADMSG) }
                let code = Int32(bitPattern: u32(offset + NetlinkRequest.headerLength))
                if code == 0 { return .done }
                throw .kernel(operation: operation, errno: code < 0 ? -code : code)
            case NLMSG_NOOP, NLMSG_OVERRUN: break
            default:
                messages.append(NetlinkMessage(type: type, flags: flags, payload: Array(payload)))
            }
            offset += align4(length)
        }
        return .more
    }

    /// A dump (`NLM_F_DUMP`), repeated when the kernel says it was interrupted.
    func dump(_ request: NetlinkRequest, operation: String, attempts: Int = 5) throws(NetlinkError) -> [NetlinkMessage] {
        for _ in 0..<attempts {
            do {
                return try exchange(request, operation: operation)
            } catch .kernel(_, let code) where code == EINTR {
                continue
            }
        }
        throw .dumpInterrupted(operation)
    }

    /// A change that the kernel acknowledges (`NLM_F_ACK`).
    func change(_ request: NetlinkRequest, operation: String) throws(NetlinkError) {
        _ = try exchange(request, operation: operation)
    }
}
