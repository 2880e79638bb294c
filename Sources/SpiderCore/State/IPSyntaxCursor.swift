/// Walks the whitespace-separated tokens of one line of `ip` syntax and turns arguments into
/// values, throwing ``IPSyntaxError`` values that name the token and the line.
///
/// Spaces, tabs and newlines all separate tokens, so `ip rule`'s `1000:\tfrom all` and the
/// multi-line form of a multipath route parse like their one-line forms.
struct IPSyntaxCursor {
    /// The whole line, for error messages.
    let line: String
    private let tokens: [String]
    private var position = 0

    init(_ line: String) {
        self.line = line
        self.tokens = line.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    /// Whether every token has been consumed.
    var isAtEnd: Bool { position >= tokens.count }

    /// Whether the line has no tokens at all.
    var isEmpty: Bool { tokens.isEmpty }

    /// The next token, without consuming it.
    func peek() -> String? { isAtEnd ? nil : tokens[position] }

    /// Consumes and returns the next token.
    mutating func next() -> String? {
        guard !isAtEnd else { return nil }
        defer { position += 1 }
        return tokens[position]
    }

    /// Consumes the argument of `keyword`, or throws ``IPSyntaxError/missingArgument(keyword:line:)``.
    mutating func argument(of keyword: String) throws(IPSyntaxError) -> String {
        guard let token = next() else { throw .missingArgument(keyword: keyword, line: line) }
        return token
    }

    /// Consumes an unsigned number (decimal, or hex with `0x`) as the argument of `keyword`.
    mutating func number(of keyword: String) throws(IPSyntaxError) -> UInt32 {
        let token = try argument(of: keyword)
        guard let value = IPSyntaxCursor.unsigned(token) else {
            throw .invalidNumber(token, keyword: keyword, line: line)
        }
        return value
    }

    /// Consumes an IP address of either family as the argument of `keyword`.
    mutating func address(of keyword: String) throws(IPSyntaxError) -> IPAddress {
        let token = try argument(of: keyword)
        return try address(token)
    }

    /// Parses `token` as an IP address of either family.
    func address(_ token: String) throws(IPSyntaxError) -> IPAddress {
        guard let address = IPAddress(token) else { throw .invalidAddress(token, line: line) }
        return address
    }

    /// Parses a selector or destination: `ADDRESS/LENGTH` in network form, or a bare address
    /// as a host network (/32 or /128).
    func network(_ token: String) throws(IPSyntaxError) -> IPNetwork {
        if token.contains("/") {
            guard let network = IPNetwork(token) else { throw .invalidAddress(token, line: line) }
            guard network.isNetworkForm else {
                throw .hostBitsSet(token, network: network.network.description, line: line)
            }
            return network
        }
        return IPNetwork(host: try address(token))
    }

    /// The error for a token that is neither a keyword nor what was expected in its place:
    /// text that looks like an address is a bad address, anything else an unknown keyword.
    func unexpected(_ token: String) -> IPSyntaxError {
        IPSyntaxCursor.looksLikeAddress(token) ? .invalidAddress(token, line: line) : .unknownKeyword(token, line: line)
    }

    /// Whether `token` is written like an address or a CIDR (it has a `.`, `:` or `/`, or starts
    /// with a digit), so that a bad one is reported as a bad address, not an unknown word.
    static func looksLikeAddress(_ token: String) -> Bool {
        token.contains(".") || token.contains(":") || token.contains("/")
            || (token.first.map { $0.isASCII && $0.isNumber } ?? false)
    }

    /// Parses an unsigned 32-bit number written in decimal or as `0x` hex; no sign, no spaces.
    static func unsigned(_ text: String) -> UInt32? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") {
            let digits = lower.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
            return UInt32(digits, radix: 16)
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt32(text)
    }
}
