/// The order in which the kernel lists the routes of one table.
///
/// - IPv4 (the FIB trie): by destination address ascending; for the same address the longer
///   prefix first; then by metric.
/// - IPv6 (the fib6 radix tree, walked children first): a more specific prefix before the prefix
///   that contains it; otherwise the prefix whose first differing bit is 0 first; then by
///   metric.
///
/// Routes that tie keep the order they were added in (an appended route comes after).
public enum KernelRouteOrder {
    /// The routes sorted as the kernel prints them; ties keep their given order.
    public static func sorted(_ routes: [Route]) -> [Route] {
        routes.enumerated().sorted { a, b in
            if let before = precedes(a.element, b.element) { return before }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Whether `a` is printed before `b`; `nil` when the kernel keeps them in insertion order.
    public static func precedes(_ a: Route, _ b: Route) -> Bool? {
        if a.family != b.family { return a.family < b.family }
        let pa = a.destination, pb = b.destination
        if pa.family == .v4 {
            let ka = pa.first.value, kb = pb.first.value
            if ka != kb { return ka < kb }
            if pa.prefixLength != pb.prefixLength { return pa.prefixLength > pb.prefixLength }
        } else if let order = trieOrder(pa, pb) {
            return order
        }
        let ma = a.key.metric, mb = b.key.metric
        return ma == mb ? nil : ma < mb
    }

    /// Post-order of a binary trie: `nil` for the same prefix.
    static func trieOrder(_ a: IPNetwork, _ b: IPNetwork) -> Bool? {
        let shorter = min(a.prefixLength, b.prefixLength)
        let va = a.first.value, vb = b.first.value
        let differing = va ^ vb
        let firstDifference = differing == 0 ? 128 : differing.leadingZeroBitCount
        if firstDifference < shorter {
            // Diverge inside both prefixes: the 0 branch is walked first.
            return (va >> UInt128(127 - firstDifference)) & 1 == 0
        }
        if a.prefixLength == b.prefixLength { return nil }
        // One contains the other: the more specific one is visited first.
        return a.prefixLength > b.prefixLength
    }
}
