/// Chooses the candidate pools of a request, as Spiderpool does: the first rule of the ladder
/// that names any pool wins (Pod pools, namespace defaults, CNI config defaults, then pools
/// with `default: true`); names with wildcards expand against the pools of the family; pools
/// that do not fit the Pod are filtered out with a reason; the rest are ordered by affinity
/// specificity, keeping the user's order among equals.
public struct PoolSelector: Sendable {
    public var pools: [String: SpiderIPPool]
    /// Pool names in the order the store lists them (for wildcard expansion and defaults).
    public var order: [String]

    public init(pools: [SpiderIPPool]) {
        self.pools = Dictionary(pools.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.order = pools.map(\.name)
    }

    /// The rule of the ladder that chose the pools.
    public enum Rule: String, Sendable { case podAnnotation, namespaceDefaults, configDefaults, clusterDefaults }

    /// The ordered candidates per family, and the rule that produced them.
    public func candidates(for request: AllocationRequest) throws(IPAMError) -> (rule: Rule, pools: [IPFamily: [String]], cleanGateway: Bool) {
        let families = IPFamily.allCases.filter { request.enabledFamilies.contains($0) }
        var rule: Rule = .clusterDefaults
        var chosen: [IPFamily: [String]] = [:]
        var cleanGateway = request.cleanGateway
        let ladder: [(Rule, PoolChoice?)] = [(.podAnnotation, request.podPools), (.namespaceDefaults, request.namespaceDefaults),
                                              (.configDefaults, request.configDefaults)]
        for (candidateRule, choice) in ladder {
            guard let choice, families.contains(where: { !choice.pools($0).isEmpty }) else { continue }
            rule = candidateRule
            for family in families where !choice.pools(family).isEmpty {
                let expanded = try expand(choice.pools(family), family)
                guard !expanded.isEmpty else {
                    throw .allPoolsFilteredOut(family: family, pools: choice.pools(family), interface: request.attachment.interface,
                                               reasons: ["no IPPool matches \(choice.pools(family))"])
                }
                chosen[family] = expanded
            }
            if candidateRule == .podAnnotation, let clean = choice.cleanGateway { cleanGateway = clean }
            break
        }
        if chosen.isEmpty {
            for family in families {
                let defaults = order.filter { pools[$0]?.isDefault == true && pools[$0]?.ipVersion == family.rawValue }
                if !defaults.isEmpty { chosen[family] = defaults }
            }
            guard !chosen.isEmpty else { throw .noPoolSelected(interface: request.attachment.interface) }
        }
        var result: [IPFamily: [String]] = [:]
        for (family, names) in chosen where !names.isEmpty {
            result[family] = try filter(names, family, request)
        }
        return (rule, result, cleanGateway)
    }

    /// Names with `*`, `?` or `[...]` expanded in place against the pools of the family.
    func expand(_ names: [String], _ family: IPFamily) throws(IPAMError) -> [String] {
        guard names.contains(where: Glob.hasWildcard) else { return names }
        var result: [String] = []
        for name in names {
            if Glob.hasWildcard(name) {
                guard Glob.isValid(name) else { throw .invalidPoolChoice("failed to match wildcard: syntax error in pattern '\(name)'") }
                let matches = order.filter { pools[$0]?.ipVersion == family.rawValue && Glob.matches(name, $0) }
                result += matches
            } else {
                result.append(name)
            }
        }
        return result
    }

    /// Pre-check, filter and sort one family's list.
    func filter(_ names: [String], _ family: IPFamily, _ request: AllocationRequest) throws(IPAMError) -> [String] {
        var seen: Set<String> = []
        for name in names {
            guard seen.insert(name).inserted else { throw .duplicatePool(name, interface: request.attachment.interface) }
            guard pools[name] != nil else { throw .poolNotFound(name) }
        }
        var kept: [SpiderIPPool] = []
        var reasons: [String] = []
        for name in names {
            guard let pool = pools[name] else { continue }
            if let reason = PoolSelector.mismatch(pool, family, request) { reasons.append(reason) } else { kept.append(pool) }
        }
        guard !kept.isEmpty else {
            throw .allPoolsFilteredOut(family: family, pools: names, interface: request.attachment.interface, reasons: reasons)
        }
        return PoolSelector.sortedByPriority(kept).map(\.name)
    }

    /// Why a pool does not fit the request, or `nil` when it does.
    public static func mismatch(_ pool: SpiderIPPool, _ family: IPFamily, _ request: AllocationRequest) -> String? {
        if pool.disable { return "disabled IPPool \(pool.name)" }
        if pool.ipVersion != family.rawValue {
            return "expect an \(family) IPPool, but the version of the IPPool \(pool.name) is IPv\(pool.ipVersion.map(String.init) ?? "?")"
        }
        if !pool.nodeName.isEmpty {
            if !pool.nodeName.contains(request.nodeName) { return "unmatched Node name of IPPool \(pool.name)" }
        } else if let affinity = pool.nodeAffinity, !affinity.matches(request.nodeLabels) {
            return "unmatched Node affinity of IPPool \(pool.name)"
        }
        if !pool.namespaceName.isEmpty {
            if !pool.namespaceName.contains(request.podNamespace) { return "unmatched Namespace name of IPPool \(pool.name)" }
        } else if let affinity = pool.namespaceAffinity, !affinity.matches(request.namespaceLabels) {
            return "unmatched Namespace affinity of IPPool \(pool.name)"
        }
        if let affinity = pool.podAffinity, !affinity.matches(request.podLabels) {
            return "unmatched Pod affinity of IPPool \(pool.name)"
        }
        if !pool.multusName.isEmpty {
            let allowed = pool.multusName.map { $0.contains("/") ? $0 : "kube-system/\($0)" }
            guard let multus = request.multusName, allowed.contains(multus) || pool.multusName.contains(multus) else {
                return "the spec.multusName \(pool.multusName) in the IPPool \(pool.name) used by the Pod interface \(request.attachment.interface) is not matched with the multusCR \(request.multusName ?? "<none>") specified by the Pod"
            }
        }
        return nil
    }

    /// Spiderpool's `ByPoolPriority`: pools with more specific affinities first, compared flag
    /// by flag (podAffinity, nodeName, nodeAffinity, namespaceName, namespaceAffinity,
    /// multusName), each "present" before "absent"; equal pools keep their order.
    public static func sortedByPriority(_ pools: [SpiderIPPool]) -> [SpiderIPPool] {
        func rank(_ pool: SpiderIPPool) -> [Int] {
            [pool.podAffinity != nil, !pool.nodeName.isEmpty, pool.nodeAffinity != nil, !pool.namespaceName.isEmpty,
             pool.namespaceAffinity != nil, !pool.multusName.isEmpty].map { $0 ? 0 : 1 }
        }
        return pools.enumerated().sorted { a, b in
            let ra = rank(a.element), rb = rank(b.element)
            return ra == rb ? a.offset < b.offset : ra.lexicographicallyPrecedes(rb)
        }.map(\.element)
    }
}

/// Go `filepath.Match` patterns on pool names: `*`, `?` and `[...]` classes (with `^`/`!`
/// negation and `a-z` ranges).
public enum Glob {
    public static func hasWildcard(_ text: String) -> Bool {
        text.contains("*") || text.contains("?") || (text.contains("[") && text.contains("]"))
    }

    /// Whether every `[` class of the pattern is closed (Go's `ErrBadPattern` otherwise).
    public static func isValid(_ pattern: String) -> Bool {
        let p = Array(pattern.unicodeScalars)
        var i = 0
        while i < p.count {
            if p[i] == "\\" { i += 2; continue }
            if p[i] == "[" {
                guard let (_, end) = matchClass(p, i, " ") else { return false }
                i = end
                continue
            }
            i += 1
        }
        return true
    }

    public static func matches(_ pattern: String, _ name: String) -> Bool {
        match(Array(pattern.unicodeScalars), 0, Array(name.unicodeScalars), 0)
    }

    static func match(_ p: [Unicode.Scalar], _ pi: Int, _ s: [Unicode.Scalar], _ si: Int) -> Bool {
        if pi == p.count { return si == s.count }
        switch p[pi] {
        case "*":
            for next in si...s.count where match(p, pi + 1, s, next) { return true }
            return false
        case "?":
            return si < s.count && match(p, pi + 1, s, si + 1)
        case "[":
            guard si < s.count, let (matched, end) = matchClass(p, pi, s[si]) else { return false }
            return matched && match(p, end, s, si + 1)
        case "\\" where pi + 1 < p.count:
            return si < s.count && s[si] == p[pi + 1] && match(p, pi + 2, s, si + 1)
        default:
            return si < s.count && s[si] == p[pi] && match(p, pi + 1, s, si + 1)
        }
    }

    /// Whether `c` is in the class starting at `p[start]`, and the index after the class.
    static func matchClass(_ p: [Unicode.Scalar], _ start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negated = false
        if i < p.count && (p[i] == "^" || p[i] == "!") { negated = true; i += 1 }
        var matched = false
        var first = true
        while i < p.count && (p[i] != "]" || first) {
            first = false
            let low = p[i]
            if i + 2 < p.count && p[i + 1] == "-" && p[i + 2] != "]" {
                if low <= c && c <= p[i + 2] { matched = true }
                i += 3
            } else {
                if low == c { matched = true }
                i += 1
            }
        }
        guard i < p.count else { return nil }
        return (matched != negated, i + 1)
    }
}
