import ArgumentParser
import SpiderCore

/// `spiderctl range`: a calculator over address ranges, with Spiderpool's range syntax.
struct RangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "range",
        abstract: "Compute with address ranges: merge, count, contains, nth.",
        discussion: """
            A RANGE is an address (10.6.212.100), an inclusive range (10.6.212.100-10.6.212.200) \
            or a CIDR (10.6.0.0/16), IPv4 or IPv6. Sets are normalized: sorted, merged, disjoint.

            Examples:
              spiderctl range merge 10.0.0.0/30 --exclude 10.0.0.1
              spiderctl range count fd00::/64 --exclude fd00::1-fd00::ff
            """,
        subcommands: [RangeMerge.self, RangeCount.self, RangeContains.self, RangeNth.self]
    )
}

/// The options every `range` subcommand shares.
struct RangeSetOptions: ParsableArguments {
    @Option(name: .customLong("ip-version"), help: "Refuse ranges that are not of this IP version (4 or 6).")
    var ipVersion: Int?

    @Option(help: ArgumentHelp("Refuse ranges that are not inside this CIDR; with no RANGE, the whole subnet.", valueName: "CIDR"))
    var subnet: String?

    @Option(name: .customLong("exclude"), help: ArgumentHelp("Remove these addresses (repeatable).", valueName: "RANGE"))
    var excludes: [String] = []

    @Option(name: .customLong("output"), help: "Output format: text or json.")
    var output: OutputFormat = .text

    // Large command lines arrive here instead of as arguments (see BulkRangeArguments).
    @Option(name: .customLong("bulk-ranges"), help: .hidden)
    var bulkRanges: String?

    @Option(name: .customLong("bulk-excludes"), help: .hidden)
    var bulkExcludes: String?

    func family() throws -> IPFamily? {
        guard let ipVersion else { return nil }
        do { return try IPFamily(version: ipVersion) } catch { throw CommandFailure(error.description) }
    }

    func query(_ ranges: [String]) throws -> RangeQuery {
        RangeQuery(ranges: ranges + BulkRangeArguments.unpack(bulkRanges),
                   excludes: excludes + BulkRangeArguments.unpack(bulkExcludes), family: try family(), subnet: subnet)
    }

    func set(_ ranges: [String]) throws -> IPRangeSet {
        let query = try query(ranges)
        do { return try query.set() } catch { throw CommandFailure(error.description) }
    }
}


struct RangeMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Print the normalized set, one range per line, ascending.",
        discussion: """
            Example:
              $ spiderctl range merge 10.0.0.0/30 --exclude 10.0.0.1
              10.0.0.0
              10.0.0.2-10.0.0.3
            """
    )

    @OptionGroup var options: RangeSetOptions
    @Argument(help: ArgumentHelp("Addresses, ranges (a-b) or CIDRs.", valueName: "RANGE"))
    var ranges: [String] = []

    func run() throws {
        let set = try options.set(ranges)
        let lines = set.ranges.map(\.description)
        switch options.output {
        case .text: lines.forEach(Console.print)
        case .json: Console.print(JSONText.array(lines.map(JSONText.string)))
        }
    }
}

struct RangeCount: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Print the exact number of addresses in the set (even for ::/0).",
        discussion: """
            Example:
              $ spiderctl range count 10.6.212.100-10.6.212.200 --exclude 10.6.212.150
              100
            """
    )

    @OptionGroup var options: RangeSetOptions
    @Argument(help: ArgumentHelp("Addresses, ranges (a-b) or CIDRs.", valueName: "RANGE"))
    var ranges: [String] = []

    func run() throws {
        // A JSON number may have any number of digits; the count is printed exactly either way.
        Console.print(try options.set(ranges).count.description)
    }
}

struct RangeContains: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contains",
        abstract: "Print true if IP is in the set, else false.",
        discussion: """
            Example:
              $ spiderctl range contains 10.6.212.150 10.6.212.100-10.6.212.200 --exclude 10.6.212.150
              false
            """
    )

    @OptionGroup var options: RangeSetOptions
    @Argument(help: "The address to look for.")
    var ip: String
    @Argument(help: ArgumentHelp("Addresses, ranges (a-b) or CIDRs.", valueName: "RANGE"))
    var ranges: [String] = []

    func run() throws {
        let family = try options.family()
        guard let address = IPAddress(ip) else { throw CommandFailure(AddressError.invalidAddress(ip).description) }
        if let family, address.family != family {
            throw CommandFailure(AddressError.wrongFamily(ip, expected: family).description)
        }
        let set = try options.set(ranges)
        Console.print(set.contains(address) ? "true" : "false")
    }
}

struct RangeNth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nth",
        abstract: "Print the N-th address (0-based, ascending) of the set.",
        discussion: """
            Example:
              $ spiderctl range nth 2 10.0.0.0/30 --exclude 10.0.0.1
              10.0.0.3
            """
    )

    @OptionGroup var options: RangeSetOptions
    @Argument(help: "The 0-based position, a decimal integer (any size).")
    var n: String
    @Argument(help: ArgumentHelp("Addresses, ranges (a-b) or CIDRs.", valueName: "RANGE"))
    var ranges: [String] = []

    func run() throws {
        guard let index = AddressCount(n) else {
            if !n.isEmpty, n.allSatisfy({ $0 >= "0" && $0 <= "9" }) {
                throw CommandFailure("position \(n) is out of range: a set has at most 2^128 addresses")
            }
            throw CommandFailure("invalid position '\(n)': expected a non-negative decimal integer")
        }
        let set = try options.set(ranges)
        guard let address = set.address(at: index) else {
            throw CommandFailure("position \(n) is out of range: the set has \(set.count) addresses")
        }
        switch options.output {
        case .text: Console.print(address.description)
        case .json: Console.print(JSONText.string(address.description))
        }
    }
}
