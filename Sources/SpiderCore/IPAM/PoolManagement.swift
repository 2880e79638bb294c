/// Storing and removing pools and reserved IPs, with Spiderpool's webhook rules.
extension IPAMService {
    /// Validates every document against the stored pools (and each other), then stores them
    /// all; nothing is stored when one is refused. Pools get the webhook's defaults.
    /// - Returns: `created`/`configured`/`unchanged` per document, kubectl-style.
    @discardableResult
    public func apply(_ documents: [ManifestDocument], context: IPPoolWebhook.Context = IPPoolWebhook.Context()) throws(IPAMError) -> [String] {
        try withStoreLock { () throws(IPAMError) -> [String] in
            var stored = try ledger.pools()
            var reservedStored = try ledger.reservedIPs()
            // A damaged stored document is replaced by a sound one, checked against what its
            // pool still holds.
            let damaged = Set(try ledger.unreadableDocuments().filter { $0.kind == SpiderIPPool.kind }.map(\.name))
            var pools: [SpiderIPPool] = []
            var reserved: [SpiderReservedIP] = []
            var outcome: [String] = []
            for document in documents {
                switch document {
                case .ipPool(let manifest):
                    let pool = IPPoolWebhook.defaulted(manifest)
                    var checks = context
                    checks.existingPools = stored.filter { $0.name != pool.name }
                    let old = stored.first(where: { $0.name == pool.name })
                    let records = old == nil && !damaged.contains(pool.name) ? [] : try ledger.records(pool: pool.name)
                    let allocated = Dictionary(records.map { ($0.address, $0.owner.pod.isEmpty ? $0.owner.attachment.description : $0.owner.pod) },
                                               uniquingKeysWith: { a, _ in a })
                    do throws(ManifestError) {
                        if let old {
                            try IPPoolWebhook.validateUpdate(old: old, new: pool, allocated: allocated, context: checks)
                            outcome.append("spiderippool/\(pool.name) \(old.manifest == pool.manifest ? "unchanged" : "configured")")
                        } else {
                            try IPPoolWebhook.validateCreate(pool, context: checks)
                            if !records.isEmpty { try IPPoolWebhook.validateUpdate(old: pool, new: pool, allocated: allocated, context: checks) }
                            outcome.append("spiderippool/\(pool.name) \(damaged.contains(pool.name) ? "configured (it replaces a damaged document)" : "created")")
                        }
                    } catch {
                        throw .manifest(error)
                    }
                    stored.removeAll { $0.name == pool.name }
                    stored.append(pool)
                    pools.append(pool)
                case .reservedIP(let manifest):
                    let checked = try IPAMService.validated(manifest)
                    let previous = reservedStored.first { $0.name == checked.name }
                    reservedStored.removeAll { $0.name == checked.name }
                    reservedStored.append(checked)
                    reserved.append(checked)
                    let state = previous == nil ? "created" : previous?.manifest == checked.manifest ? "unchanged" : "configured"
                    outcome.append("spiderreservedip/\(checked.name) \(state)")
                }
            }
            for pool in pools { try ledger.putPool(pool) }
            for item in reserved { try ledger.putReservedIP(item) }
            return outcome
        }
    }

    /// SpiderReservedIP's webhook: `ipVersion` from the first entry, every entry a range of it.
    static func validated(_ manifest: SpiderReservedIP) throws(IPAMError) -> SpiderReservedIP {
        var result = manifest
        if result.ipVersion == nil, let first = manifest.ips.first {
            result.ipVersion = (try? IPRange(validating: first, family: .v4)) != nil ? 4 : (try? IPRange(validating: first, family: .v6)) != nil ? 6 : nil
        }
        let fail = { (field: String, reason: String) -> IPAMError in
            .manifest(.invalid(kind: SpiderReservedIP.kind, name: manifest.name, field: field, reason: reason))
        }
        guard let version = result.ipVersion else { throw fail("spec.ipVersion", "is not generated correctly, 'spec.ips' is empty or 'spec.ips[0]' may be invalid") }
        guard let family = IPFamily(rawValue: version) else { throw fail("spec.ipVersion", "Unsupported value: \(version): supported values: \"4\", \"6\"") }
        for (index, text) in manifest.ips.enumerated() {
            do { _ = try IPRange(validating: text, family: family) } catch { throw fail("spec.ips[\(index)]", error.description) }
        }
        if result.ips.count > 1, let merged = IPPoolWebhook.merge(result.ips, family) { result.ips = merged }
        return result
    }

    /// Deletes a pool; refused while it holds allocations unless `force`, which drops them.
    public func deletePool(named name: String, force: Bool = false) throws(IPAMError) {
        try withStoreLock { () throws(IPAMError) in
            guard try ledger.hasPool(named: name) else { throw .poolNotFound(name) }
            let held = try ledger.records(pool: name).filter { !$0.owner.isParked }
            guard held.isEmpty || force else { throw .poolInUse(name, allocated: held.count) }
            try ledger.deletePool(named: name)
        }
    }

    func withStoreLock<T>(_ body: () throws(IPAMError) -> T) throws(IPAMError) -> T {
        try ledger.withStoreLock(body)
    }
}
