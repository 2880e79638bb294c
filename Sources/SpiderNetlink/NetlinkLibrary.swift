import CMnl
import CNetlinkShim

/// Facts about the netlink library this module is built against.
///
/// SpiderNetlink executes route plans through libmnl. Until the executor lands this type only
/// proves that libmnl resolves and links.
public enum NetlinkLibrary {
    /// The receive buffer size libmnl recommends (`MNL_SOCKET_BUFFER_SIZE`).
    public static var socketBufferSize: Int { Int(spider_mnl_socket_buffer_size()) }

    /// Netlink message alignment (`NLMSG_ALIGN`) of `length` bytes.
    public static func messageAlign(_ length: Int) -> Int {
        Int(spider_nlmsg_align(UInt32(clamping: length)))
    }
}
