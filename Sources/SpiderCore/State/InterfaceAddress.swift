/// An address on an interface, as the golden files write it: `10.6.212.145/16 dev net1`.
///
/// The address keeps its host bits (it is the interface's own address, not a network), and is
/// always printed with its prefix length, `/32` and `/128` included.
public struct InterfaceAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address and the prefix length of its subnet, host bits kept.
    public var address: IPNetwork
    /// The interface the address is on (`dev`).
    public var device: String

    /// The address `address` on `device`.
    public init(address: IPNetwork, device: String) {
        self.address = address
        self.device = device
    }

    /// The family of the address.
    public var family: IPFamily { address.family }

    /// Parses `CIDR dev NAME`, as the golden files write addresses and `ip addr add` takes
    /// them. A bare address is a /32 or /128, as for `ip addr add`.
    /// - Throws: ``IPSyntaxError`` naming the bad token and the line.
    public init(parsing line: String) throws(IPSyntaxError) {
        var cursor = IPSyntaxCursor(line)
        guard !cursor.isEmpty else { throw .emptyLine(line) }
        var address: IPNetwork?
        var device: String?
        while let word = cursor.next() {
            switch word {
            case "dev":
                if device != nil { throw .duplicateKeyword(word, line: line) }
                device = try cursor.argument(of: word)
            default:
                guard address == nil, IPSyntaxCursor.looksLikeAddress(word) else {
                    throw .unknownKeyword(word, line: line)
                }
                if word.contains("/") {
                    guard let network = IPNetwork(word) else { throw .invalidAddress(word, line: line) }
                    address = network
                } else {
                    address = IPNetwork(host: try cursor.address(word))
                }
            }
        }
        guard let address else { throw .missingField("address", line: line) }
        guard let device else { throw .missingField("dev", line: line) }
        self.init(address: address, device: device)
    }

    /// `CIDR dev NAME`.
    public var description: String { "\(address) dev \(device)" }

    /// The arguments of `ip addr add` that put the address back: `["CIDR", "dev", "NAME"]`.
    public var command: [String] { [address.description, "dev", device] }
}
