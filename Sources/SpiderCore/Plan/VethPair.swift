/// A veth pair whose two ends live in different namespaces: one in the namespace of the
/// operation that creates it, the peer in the other.
public struct VethPair: Sendable, Hashable {
    /// The end in the creating namespace (`veth0` in the Pod).
    public var name: String
    /// Its MAC address.
    public var mac: MACAddress
    /// The other end, created directly in the other namespace (`veth<container id>` on the node).
    public var peerName: String
    /// Its MAC address.
    public var peerMAC: MACAddress
    /// The MTU of both ends.
    public var mtu: Int

    public init(name: String, mac: MACAddress, peerName: String, peerMAC: MACAddress, mtu: Int) {
        self.name = name
        self.mac = mac
        self.peerName = peerName
        self.peerMAC = peerMAC
        self.mtu = mtu
    }
}
