/// One message of the node agent's protocol (Docs/AGENT.md): an 8-byte header and a payload.
///
/// ```
/// 0      2        3     4                 8
/// | "SP" | version | kind | payload length | payload (UTF-8 JSON) ...
/// ```
///
/// The length is a 32-bit big-endian count of payload bytes, at most ``maxPayload``. A
/// connection carries one exchange: the plugin sends a ``Kind/call`` (then reads
/// ``Kind/accepted`` and one ``Kind/answer``, or one ``Kind/refused``) or a ``Kind/report``
/// (and reads nothing).
public struct AgentFrame: Sendable, Hashable {
    /// What a frame carries.
    public enum Kind: UInt8, Sendable, Hashable, CaseIterable {
        /// Plugin to agent: a CNI call to run (``AgentCall``).
        case call = 1
        /// Plugin to agent: a call the plugin ran itself, for the metrics (``AgentReport``).
        case report = 2
        /// Agent to plugin: the call is being run (the plugin now waits for the answer).
        case accepted = 3
        /// Agent to plugin: the call's stdout and exit status (``AgentAnswer``).
        case answer = 4
        /// Agent to plugin: the agent will not run the call; the payload says why
        /// (``AgentRefusal``). The plugin runs it itself.
        case refused = 5
    }

    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    /// The header's first two bytes, `SP`.
    public static let magic: (UInt8, UInt8) = (0x53, 0x50)
    /// Header bytes before the payload.
    public static let headerSize = 8
    /// The largest payload either side accepts (4 MiB: a 1 MiB configuration, JSON-escaped,
    /// with room to spare).
    public static let maxPayload = 4 << 20

    public var kind: Kind
    public var payload: [UInt8]

    /// A frame of `kind` carrying `payload`.
    public init(_ kind: Kind, payload: [UInt8] = []) {
        self.kind = kind
        self.payload = payload
    }

    /// A frame of `kind` carrying `text` as UTF-8.
    public init(_ kind: Kind, text: String) {
        self.init(kind, payload: Array(text.utf8))
    }

    /// The header and the payload, ready to write.
    public var encoded: [UInt8] {
        let count = UInt32(truncatingIfNeeded: payload.count)
        var bytes: [UInt8] = [AgentFrame.magic.0, AgentFrame.magic.1, AgentFrame.version, kind.rawValue,
                              UInt8(count >> 24), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)]
        bytes.reserveCapacity(AgentFrame.headerSize + payload.count)
        bytes += payload
        return bytes
    }

    /// Why a header cannot be read.
    public enum HeaderError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The first bytes are not `SP`: not this protocol.
        case notAgentProtocol
        /// A version this build does not speak.
        case unsupportedVersion(UInt8)
        /// A kind this version does not define.
        case unknownKind(UInt8)
        /// A payload longer than ``AgentFrame/maxPayload``.
        case tooLarge(Int)

        public var description: String {
            switch self {
            case .notAgentProtocol: "not the spiderpool agent protocol (the frame does not start with \"SP\")"
            case .unsupportedVersion(let version): "protocol version \(version) is not supported (this side speaks \(AgentFrame.version))"
            case .unknownKind(let kind): "unknown frame kind \(kind)"
            case .tooLarge(let count): "a request of \(count) bytes is larger than the limit of \(AgentFrame.maxPayload) bytes"
            }
        }
    }

    /// The kind and payload length a header announces.
    /// - Parameter header: at least ``headerSize`` bytes.
    public static func parseHeader(_ header: some Collection<UInt8>) throws(HeaderError) -> (kind: Kind, length: Int) {
        let bytes = Array(header.prefix(headerSize))
        guard bytes.count == headerSize, bytes[0] == magic.0, bytes[1] == magic.1 else { throw .notAgentProtocol }
        guard bytes[2] == version else { throw .unsupportedVersion(bytes[2]) }
        guard let kind = Kind(rawValue: bytes[3]) else { throw .unknownKind(bytes[3]) }
        let length = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        guard length <= maxPayload else { throw .tooLarge(length) }
        return (kind, length)
    }
}
