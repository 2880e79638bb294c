/// Why a line of `ip` command syntax (a route, a rule, a neighbour, an address, a MAC or a
/// link attribute) was refused.
///
/// Every case carries the offending token (or keyword) and the whole line it came from, and
/// ``description`` names both, so that a user can find the mistake in a golden file or on a
/// command line. The case itself is the error code.
public enum IPSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The line holds no tokens at all.
    case emptyLine(String)
    /// A token that should be an address or a CIDR is neither (`10.0.0.300`, `fd00::/129`).
    case invalidAddress(String, line: String)
    /// A destination or selector CIDR whose host bits are set; `network` is the form to use.
    case hostBitsSet(String, network: String, line: String)
    /// A MAC address that is not six two-digit hex groups separated by `:`.
    case invalidMAC(String, line: String)
    /// A keyword's argument that should be an unsigned number and is not, or is out of range.
    case invalidNumber(String, keyword: String, line: String)
    /// A keyword's argument that is not one of the names the keyword takes (`scope galaxy`).
    case invalidValue(String, keyword: String, line: String)
    /// A word that is no keyword of this syntax.
    case unknownKeyword(String, line: String)
    /// A keyword at the end of the line that needs an argument after it (`dev` with no name).
    case missingArgument(keyword: String, line: String)
    /// A keyword given twice where it may appear once.
    case duplicateKeyword(String, line: String)
    /// An address of the other family than the line's (`expected` is the line's family).
    case familyMismatch(String, expected: IPFamily, line: String)
    /// A line with no address to tell its family from (`default dev eth0`); the caller must
    /// pass the family. `token` is the word that needed it.
    case missingFamily(String, line: String)
    /// A part the syntax requires is absent (`destination`, `dev`).
    case missingField(String, line: String)

    /// The line the error was found in.
    public var line: String {
        switch self {
        case .emptyLine(let line): line
        case .invalidAddress(_, let line), .hostBitsSet(_, _, let line), .invalidMAC(_, let line),
             .invalidNumber(_, _, let line), .invalidValue(_, _, let line), .unknownKeyword(_, let line),
             .missingArgument(_, let line), .duplicateKeyword(_, let line), .familyMismatch(_, _, let line),
             .missingFamily(_, let line), .missingField(_, let line):
            line
        }
    }

    /// A message naming the bad token and the whole line.
    public var description: String {
        switch self {
        case .emptyLine(let line):
            "nothing to parse in '\(line)'"
        case .invalidAddress(let token, let line):
            "invalid address '\(token)' in '\(line)'"
        case .hostBitsSet(let token, let network, let line):
            "invalid prefix '\(token)' in '\(line)': host bits are set, write \(network)"
        case .invalidMAC(let token, let line):
            "invalid MAC address '\(token)' in '\(line)': expected six two-digit hex groups separated by ':' (aa:bb:cc:dd:ee:ff)"
        case .invalidNumber(let token, let keyword, let line):
            "invalid number '\(token)' after '\(keyword)' in '\(line)'"
        case .invalidValue(let token, let keyword, let line):
            "invalid value '\(token)' for '\(keyword)' in '\(line)'"
        case .unknownKeyword(let token, let line):
            "unknown keyword '\(token)' in '\(line)'"
        case .missingArgument(let keyword, let line):
            "'\(keyword)' needs an argument in '\(line)'"
        case .duplicateKeyword(let keyword, let line):
            "'\(keyword)' is given twice in '\(line)'"
        case .familyMismatch(let token, let family, let line):
            "'\(token)' is not an \(family) address in '\(line)'"
        case .missingFamily(let token, let line):
            "cannot tell the address family of '\(token)' in '\(line)': no address in the line, give the family (IPv4 or IPv6)"
        case .missingField(let field, let line):
            "missing '\(field)' in '\(line)'"
        }
    }
}
