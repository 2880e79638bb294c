/// The cluster's Pod and Service CIDRs as one source gives them, each kept as written.
public struct ClusterCIDRs: Sendable, Hashable {
    /// Pod CIDRs (`podSubnet`, `--cluster-cidr`).
    public var podCIDR: [String]
    /// Service CIDRs (`serviceSubnet`, `--service-cluster-ip-range`).
    public var serviceCIDR: [String]

    public init(podCIDR: [String] = [], serviceCIDR: [String] = []) {
        self.podCIDR = podCIDR
        self.serviceCIDR = serviceCIDR
    }

    /// Both lists have at least one entry.
    public var isComplete: Bool { !podCIDR.isEmpty && !serviceCIDR.isEmpty }

    /// The entries of a comma-separated list that parse as CIDRs (as Go's `net.ParseCIDR`),
    /// verbatim (host bits are kept); `trim` trims each piece first.
    static func cidrs(inCommaList text: String, trim: Bool) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: false)
            .map { trim ? String($0).goTrimmed : String($0) }
            .filter { IPNetwork($0) != nil }
    }
}

extension String {
    /// Go's `strings.TrimSpace` (ASCII white space).
    var goTrimmed: String {
        let space: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
        var slice = Substring(self)
        while let first = slice.first, space.contains(first) { slice.removeFirst() }
        while let last = slice.last, space.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
