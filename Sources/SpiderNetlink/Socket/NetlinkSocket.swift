import CMnl
import CNetlinkShim
#if canImport(Glibc)
import Glibc
#endif

/// A `NETLINK_ROUTE` socket, opened with libmnl in the namespace of the thread that creates it.
/// It owns the OS resource; every pointer stays inside this file.
final class NetlinkSocket {
    private let handle: OpaquePointer
    private let portID: UInt32
    private var sequence: UInt32
    /// libmnl's recommended size for dumps (32 KiB), at least the socket buffer size.
    private let bufferSize = max(32768, spider_mnl_socket_buffer_size())

    /// How long one receive waits for the kernel's answer, in seconds.
    static let receiveTimeout = 10

    init() throws(NetlinkError) {
        guard let socket = mnl_socket_open(NETLINK_ROUTE) else { throw .system(operation: "open netlink socket", errno: errno) }
        guard mnl_socket_bind(socket, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let code = errno
            mnl_socket_close(socket)
            throw .system(operation: "bind netlink socket", errno: code)
        }
        // Bounded waits: an answer that does not come within the timeout fails the call
        // (EAGAIN) instead of blocking it, and with it the node lock, for good.
        var timeout = timeval(tv_sec: NetlinkSocket.receiveTimeout, tv_usec: 0)
        _ = setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        handle = socket
        portID = mnl_socket_get_portid(socket)
        sequence = UInt32(truncatingIfNeeded: time(nil))
    }

    deinit { mnl_socket_close(handle) }

    /// Collects the messages of one answer (run from a libmnl callback).
    private final class Collector {
        var messages: [NetlinkMessage] = []
        var interrupted = false
    }

    /// Sends `request` and returns the answer's messages: the dump's entries, or nothing for an
    /// acknowledged change. A kernel error throws ``NetlinkError/kernel(operation:errno:)``.
    func exchange(_ request: NetlinkRequest, operation: String) throws(NetlinkError) -> (messages: [NetlinkMessage], interrupted: Bool) {
        if let failure = request.failure { throw .requestTooLarge(operation: operation, reason: failure) }
        sequence &+= 1
        var bytes = request.bytes
        let seq = sequence
        bytes.withUnsafeMutableBytes { raw in
            guard let nlh = raw.baseAddress?.assumingMemoryBound(to: nlmsghdr.self) else { return }
            nlh.pointee.nlmsg_seq = seq
            nlh.pointee.nlmsg_pid = 0
        }
        let sent = bytes.withUnsafeBytes { mnl_socket_sendto(handle, $0.baseAddress, $0.count) }
        guard sent >= 0 else { throw .system(operation: "\(operation): send", errno: errno) }

        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var buffer = [UInt8](repeating: 0, count: bufferSize)
        while true {
            let received = buffer.withUnsafeMutableBytes { mnl_socket_recvfrom(handle, $0.baseAddress, $0.count) }
            guard received >= 0 else {
                if errno == EINTR { continue }
                throw .system(operation: "\(operation): receive", errno: errno)
            }
            let result = buffer.withUnsafeMutableBytes { raw in
                mnl_cb_run(raw.baseAddress, received, seq, portID, { header, data in
                    guard let header, let data else { return MNL_CB_OK }
                    let collector = Unmanaged<Collector>.fromOpaque(data).takeUnretainedValue()
                    let length = Int(header.pointee.nlmsg_len)
                    if header.pointee.nlmsg_flags & UInt16(NLM_F_DUMP_INTR) != 0 { collector.interrupted = true }
                    let payload = UnsafeRawBufferPointer(start: UnsafeRawPointer(header).advanced(by: 16), count: max(0, length - 16))
                    collector.messages.append(NetlinkMessage(type: header.pointee.nlmsg_type, flags: header.pointee.nlmsg_flags,
                                                             payload: Array(payload)))
                    return MNL_CB_OK
                }, context)
            }
            if result == MNL_CB_ERROR {
                // libmnl sets errno from an NLMSG_ERROR; EINTR from a dump restarted by the kernel.
                throw .kernel(operation: operation, errno: errno)
            }
            if result == MNL_CB_STOP { break }
        }
        return (collector.messages, collector.interrupted)
    }

    /// A dump (`NLM_F_DUMP`), repeated when the kernel says it was interrupted.
    func dump(_ request: NetlinkRequest, operation: String, attempts: Int = 5) throws(NetlinkError) -> [NetlinkMessage] {
        for _ in 0..<attempts {
            do {
                let answer = try exchange(request, operation: operation)
                if !answer.interrupted { return answer.messages }
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
