/// A set of addresses described the way people and scripts write it: range expressions, minus
/// exclusions, optionally tied to one family and one subnet.
///
/// This is the model behind `spiderctl range`; it is a value so it can be checked without a
/// process: `RangeQuery(ranges: ["10.0.0.0/30"], excludes: ["10.0.0.1"]).set()`.
public struct RangeQuery: Sendable, Hashable {
    /// Range expressions: an address, `start-end`, or a CIDR.
    public var ranges: [String]
    /// Range expressions to remove from the set.
    public var excludes: [String]
    /// When set, every expression must be of this family.
    public var family: IPFamily?
    /// When set (a CIDR), every expression must lie inside it; with no ranges, the whole
    /// subnet is the set.
    public var subnet: String?

    public init(ranges: [String], excludes: [String] = [], family: IPFamily? = nil, subnet: String? = nil) {
        self.ranges = ranges
        self.excludes = excludes
        self.family = family
        self.subnet = subnet
    }

    /// Errors of a query that are not about one address token.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// Neither a range nor a subnet was given.
        case noRange
        /// A bad token.
        case address(AddressError)

        public var description: String {
            switch self {
            case .noRange: "no range given: name at least one address, range (a-b) or CIDR, or --subnet"
            case .address(let error): error.description
            }
        }
    }

    /// The parsed subnet, validated against ``family``.
    public func parsedSubnet() throws(Failure) -> IPNetwork? {
        guard let subnet else { return nil }
        guard let network = IPNetwork(subnet) else { throw .address(.invalidCIDRAddress(subnet)) }
        if let family, network.family != family { throw .address(.wrongFamily(subnet, expected: family)) }
        return network
    }

    /// Parses one expression under the query's family and subnet constraints.
    public func parse(_ text: String) throws(Failure) -> IPRange {
        let range: IPRange
        do { range = try IPRange(parsing: text, family: family) } catch { throw .address(error) }
        if let subnet = try parsedSubnet(), !subnet.contains(range) {
            throw .address(.rangeOutsideSubnet(text, subnet: subnet.description))
        }
        return range
    }

    /// The normalized set: the union of ``ranges`` minus the union of ``excludes``.
    public func set() throws(Failure) -> IPRangeSet {
        var included: [IPRange] = []
        for text in ranges { included.append(try parse(text)) }
        if included.isEmpty {
            guard let subnet = try parsedSubnet() else { throw .noRange }
            included.append(subnet.range)
        }
        var excluded: [IPRange] = []
        for text in excludes { excluded.append(try parse(text)) }
        return IPRangeSet(included).subtracting(IPRangeSet(excluded))
    }
}
