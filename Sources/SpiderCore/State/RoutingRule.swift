/// One policy-routing rule, as `ip rule` prints it and `ip rule add` takes it.
///
/// ```
/// 32765: from 10.6.212.145 lookup 101
/// 1000: from all fwmark 0x1 lookup 100
/// ```
///
/// ``description`` prints the golden files' form `PRIO: SELECTOR lookup TABLE` (iproute2 puts a
/// tab after the colon; both parse). The selector is printed in iproute2's order: `not`,
/// `from`, `to`, `fwmark`, `iif`, `oif`. Other selectors and actions (`tos`, `uidrange`,
/// `goto`, `suppress_prefixlength`, …) are not modelled and are refused as unknown keywords.
public struct RoutingRule: Sendable, Hashable, CustomStringConvertible {
    /// The family of the rule (`ip -4 rule` or `ip -6 rule`).
    public var family: IPFamily
    /// The rule's priority (`PRIO:` in the output, `priority`/`pref`/`prio` in `ip rule add`);
    /// `nil` when not given, in which case the kernel picks one.
    public var priority: UInt32?
    /// The source selector (`from`); `nil` is `from all`.
    public var source: IPNetwork?
    /// The destination selector (`to`); `nil` when the rule has none.
    public var destination: IPNetwork?
    /// The incoming interface selector (`iif`).
    public var inputInterface: String?
    /// The outgoing interface selector (`oif`).
    public var outputInterface: String?
    /// The firewall mark selector (`fwmark`).
    public var fwmark: UInt32?
    /// The mask of ``fwmark``; `nil` (or `0xffffffff`) compares the whole mark.
    public var fwmask: UInt32?
    /// The table looked up when the rule matches (`lookup`, or `table` in `ip rule add`).
    public var table: RouteTable
    /// Whether the selector is negated (`not`).
    public var invert: Bool

    /// A rule. A `source` of prefix length 0 is `from all` and is stored as `nil`; selectors are
    /// brought to network form.
    public init(
        family: IPFamily,
        priority: UInt32? = nil,
        source: IPNetwork? = nil,
        destination: IPNetwork? = nil,
        inputInterface: String? = nil,
        outputInterface: String? = nil,
        fwmark: UInt32? = nil,
        fwmask: UInt32? = nil,
        table: RouteTable = .main,
        invert: Bool = false
    ) {
        self.family = family
        self.priority = priority
        self.source = source.flatMap { $0.prefixLength == 0 ? nil : $0.network }
        self.destination = destination.flatMap { $0.prefixLength == 0 ? nil : $0.network }
        self.inputInterface = inputInterface
        self.outputInterface = outputInterface
        self.fwmark = fwmark
        self.fwmask = fwmask
        self.table = table
        self.invert = invert
    }

    /// Parses a rule as `ip rule` prints it (`1000:\tfrom all lookup 500`, or with a space) or
    /// as `ip rule add` takes its arguments (`from X lookup N priority P`).
    ///
    /// Keywords: a leading `PRIO:`, `not`, `from all|CIDR|ADDR`, `to CIDR|ADDR`, `iif`/`dev IF`,
    /// `oif IF`, `fwmark MARK[/MASK]` (decimal or `0x` hex), `lookup`/`table T`, and
    /// `priority`/`preference`/`pref`/`prio`/`order P`. iproute2's `[detached]` after an
    /// interface is dropped. Without `lookup` the table is main, as for `ip rule add`.
    ///
    /// - Parameters:
    ///   - line: one rule, as `ip rule` prints it or `ip rule add` takes it.
    ///   - family: the family of the rule; without it, that of `from` or `to`. A rule with no
    ///     address (`from all lookup 500`) then throws ``IPSyntaxError/missingFamily(_:line:)``.
    /// - Throws: ``IPSyntaxError`` naming the bad token and the line.
    public init(parsing line: String, family: IPFamily? = nil) throws(IPSyntaxError) {
        var cursor = IPSyntaxCursor(line)
        guard !cursor.isEmpty else { throw .emptyLine(line) }

        var priority: UInt32?
        if let first = cursor.peek(), first.hasSuffix(":") {
            _ = cursor.next()
            guard let value = IPSyntaxCursor.unsigned(String(first.dropLast())) else {
                throw .invalidNumber(first, keyword: "priority", line: line)
            }
            priority = value
        }
        var source: (token: String, network: IPNetwork?)?
        var destination: (token: String, network: IPNetwork)?
        var inputInterface: String?
        var outputInterface: String?
        var mark: (mark: UInt32, mask: UInt32?)?
        var table: RouteTable?
        var invert = false

        func once(_ isSet: Bool, _ keyword: String) throws(IPSyntaxError) {
            if isSet { throw .duplicateKeyword(keyword, line: line) }
        }

        while let word = cursor.next() {
            switch word {
            case "not":
                try once(invert, word)
                invert = true
            case "from":
                try once(source != nil, word)
                let token = try cursor.argument(of: word)
                source = (token, token == "all" ? nil : try cursor.network(token))
            case "to":
                try once(destination != nil, word)
                let token = try cursor.argument(of: word)
                destination = (token, try cursor.network(token))
            case "iif", "dev":
                try once(inputInterface != nil, "iif")
                inputInterface = try cursor.argument(of: word)
            case "oif":
                try once(outputInterface != nil, word)
                outputInterface = try cursor.argument(of: word)
            case "fwmark":
                try once(mark != nil, word)
                let token = try cursor.argument(of: word)
                let parts = token.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard parts.count <= 2, let value = IPSyntaxCursor.unsigned(parts[0]) else {
                    throw .invalidNumber(token, keyword: word, line: line)
                }
                var mask: UInt32?
                if parts.count == 2 {
                    guard let parsed = IPSyntaxCursor.unsigned(parts[1]) else {
                        throw .invalidNumber(token, keyword: word, line: line)
                    }
                    mask = parsed
                }
                mark = (value, mask)
            case "lookup", "table":
                try once(table != nil, "lookup")
                let token = try cursor.argument(of: word)
                guard let value = RouteTable(token) else { throw .invalidValue(token, keyword: word, line: line) }
                table = value
            case "priority", "preference", "pref", "prio", "order":
                try once(priority != nil, "priority")
                priority = try cursor.number(of: word)
            case "[detached]":
                continue
            default:
                throw .unknownKeyword(word, line: line)
            }
        }

        let ruleFamily: IPFamily
        if let family {
            ruleFamily = family
        } else if let inferred = source?.network?.family ?? destination?.network.family {
            ruleFamily = inferred
        } else {
            throw .missingFamily(source.map { "from \($0.token)" } ?? line, line: line)
        }
        if let source, let network = source.network, network.family != ruleFamily {
            throw .familyMismatch(source.token, expected: ruleFamily, line: line)
        }
        if let destination, destination.network.family != ruleFamily {
            throw .familyMismatch(destination.token, expected: ruleFamily, line: line)
        }

        self.init(
            family: ruleFamily,
            priority: priority,
            source: source?.network,
            destination: destination?.network,
            inputInterface: inputInterface,
            outputInterface: outputInterface,
            fwmark: mark?.mark,
            fwmask: mark?.mask,
            table: table ?? .main,
            invert: invert
        )
    }

    /// A selector address as `ip rule` prints it: bare for a single address, else the CIDR.
    private func selectorText(_ network: IPNetwork) -> String {
        network.prefixLength == network.family.bitWidth ? network.address.description : network.description
    }

    /// `fwmark 0xMARK`, with `/0xMASK` unless the mask is absent or all ones. As with C's `%#x`,
    /// which iproute2 uses, zero is written `0`.
    private var markWords: [String] {
        guard fwmark != nil || fwmask != nil else { return [] }
        func hex(_ value: UInt32) -> String { value == 0 ? "0" : "0x" + String(value, radix: 16) }
        var text = hex(fwmark ?? 0)
        if let fwmask, fwmask != .max { text += "/" + hex(fwmask) }
        return ["fwmark", text]
    }

    /// The selector and the table, in iproute2's order.
    private var selectorWords: [String] {
        var words: [String] = []
        if invert { words.append("not") }
        words += ["from", source.map(selectorText) ?? "all"]
        if let destination { words += ["to", selectorText(destination)] }
        words += markWords
        if let inputInterface { words += ["iif", inputInterface] }
        if let outputInterface { words += ["oif", outputInterface] }
        words += ["lookup", table.description]
        return words
    }

    /// `PRIO: [not] from X [to Y] [fwmark M] [iif I] [oif O] lookup T`, the golden files' form
    /// of an `ip rule` line (no `PRIO: ` when the priority is not set).
    public var description: String {
        let selector = selectorWords.joined(separator: " ")
        guard let priority else { return selector }
        return "\(priority): \(selector)"
    }

    /// The arguments of `ip rule add` that recreate the rule (without `-6`), for example
    /// `["from", "10.6.212.145", "lookup", "101", "priority", "32765"]`.
    public var command: [String] {
        selectorWords + (priority.map { ["priority", String($0)] } ?? [])
    }
}
