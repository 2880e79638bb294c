/// What makes two routes "the same route" to the kernel, for `EEXIST` on add and `ENOENT` on
/// delete: the table, the family, the destination network, the metric and the type.
///
/// The metric is the one the kernel stores: a route with no `metric` has metric 0 for IPv4 and
/// 1024 for IPv6 (`IP6_RT_PRIO_USER`). IPv4 also tells routes apart by `tos`, which this model
/// does not keep. The type is part of the key as the kernel matches it on delete; the IPv4
/// kernel does not look at it on add.
public struct RouteKey: Sendable, Hashable, CustomStringConvertible {
    /// The table the route is in.
    public var table: RouteTable
    /// The family of the route.
    public var family: IPFamily
    /// The destination, in network form.
    public var destination: IPNetwork
    /// The metric as the kernel stores it.
    public var metric: UInt32
    /// The route's type.
    public var type: RouteType

    /// A key from its parts; `destination` is brought to network form.
    public init(table: RouteTable, family: IPFamily, destination: IPNetwork, metric: UInt32, type: RouteType) {
        self.table = table
        self.family = family
        self.destination = destination.network
        self.metric = metric
        self.type = type
    }

    /// The metric the kernel gives a route of `family` added without one.
    public static func defaultMetric(_ family: IPFamily) -> UInt32 { family == .v6 ? 1024 : 0 }

    /// `table T FAMILY DESTINATION metric M type Y`, for messages.
    public var description: String {
        "table \(table) \(family) \(destination) metric \(metric) type \(type)"
    }
}
