/// `struct ucred` as `getsockopt(SO_PEERCRED)` fills it: who is at the other end of a unix
/// socket (its process, user and group when it connected).
struct PeerCredentials: Sendable, Hashable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
