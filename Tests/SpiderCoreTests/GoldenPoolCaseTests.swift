import Foundation
import Testing
@testable import SpiderCore
import SpiderYAML
import SpiderEmbeddedLedger
import LedgerTestSupport

// Every case of `Tests/Fixtures/golden/ip/ip_cases.json` whose `fn` is one of
// `GoldenIPCase.poolFunctions`: the pool webhook, pool ordering, wildcards, the allocation
// records and the allocator, mapped from Spiderpool's Go functions to our API.
//
// Mapping (Go → ours):
// * IPPoolWebhook.ValidateCreate/ValidateUpdate/ValidateDelete/Default → `IPPoolWebhook`
//   (`validateCreate`, `validateUpdate`, `validateDelete`, `defaulted`). Golden inputs become
//   SpiderIPPool documents (ManifestValue); `_enableIPv4:false` → `Context.enableIPv4`,
//   `_ownerSubnet` → `Context.ownerSubnetIPs` (or `ownerSubnetMissing` for "<absent>"),
//   `existingPools` → `Context.existingPools` ("<same name>": the pool under test itself).
//   ValidateUpdate cases are prose: each id is mapped by hand in `GoldenPoolMapping.updateScenario`.
//   Verdicts: "OK" → no throw; "AlreadyExists" → `.alreadyExists`; "Invalid…" and
//   "Forbidden (wrapped as Invalid)" → `.invalid` or `.forbidden` (Kubernetes wraps field
//   `Forbidden` errors in an `Invalid` status); "Forbidden: X" → `.forbidden` naming X.
//   Parsing the document is part of the pipeline: a ManifestError from `SpiderIPPool(document:)`
//   (e.g. a bad label value in podAffinity) is the webhook's verdict.
// * ByPoolPriority.sort → `PoolSelector.sortedByPriority` (a `true` affinity flag → a
//   non-empty selector).
// * HasWildcardInStr → `Glob.hasWildcard`; ParseWildcardPoolNameList → `PoolSelector.expand`.
// * findAllocatedIPFromRecords, IPPoolManager.AllocateIP/ReleaseIP/UpdateAllocatedIPs →
//   `IPAMService` over an `EmbeddedLedger` in a temporary directory (see each handler).
// * IsValidStatefulSetPod → `AllocationRequest.looksLikeStatefulSetPod` for the name part only.
// * GetPoolIPNumber, CalculateJobPodNum, AutoPoolName: SpiderSubnet auto-pool controller
//   behaviour with no counterpart here; listed exactly in `GoldenPoolMapping.notApplicable`.

// MARK: - Shared helpers (also used by PoolSelectionTests)

/// A throw-away `EmbeddedLedger` in a fresh temporary directory; call `remove()` in a `defer`.
final class PoolScratchStore: @unchecked Sendable {
    let root: String
    let ledger: EmbeddedLedger
    let service: IPAMService<EmbeddedLedger>

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("spiderpool-pooltests-\(UUID().uuidString)").path
        ledger = try EmbeddedLedger(root: root)
        service = IPAMService(ledger: ledger)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Stores pools through the webhook (`IPAMService.apply`).
    @discardableResult
    func apply(_ pools: SpiderIPPool..., context: IPPoolWebhook.Context = IPPoolWebhook.Context()) throws -> [String] {
        try service.apply(pools.map(ManifestDocument.ipPool), context: context)
    }

    @discardableResult
    func apply(yaml: String, context: IPPoolWebhook.Context = IPPoolWebhook.Context()) throws -> [String] {
        try service.apply(try ManifestDocument.parse(yaml), context: context)
    }

    func reserve(_ name: String, _ ips: [String]) throws {
        try service.apply([.reservedIP(SpiderReservedIP(name: name, ips: ips))])
    }

    /// `{ip: pod}` of a pool's records.
    func holders(_ pool: String) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try ledger.records(pool: pool).map { ($0.address.description, $0.owner.pod) })
    }

    func addresses(_ pool: String) throws -> [String] { try ledger.records(pool: pool).map(\.address.description) }
}

enum PoolTestSupport {
    /// An ADD request for `namespace/name` on `containerID`/`interface`.
    static func request(_ containerID: String, _ interface: String = "eth0", pod: String = "default/pod", uid: String = "",
                        v4: [String] = [], v6: [String] = []) throws -> AllocationRequest {
        var request = AllocationRequest(attachment: try SpiderCore.Attachment(containerID: containerID, interface: interface))
        let parts = pod.split(separator: "/", maxSplits: 1).map(String.init)
        request.podNamespace = parts.first ?? ""
        request.podName = parts.count > 1 ? parts[1] : ""
        request.podUID = uid
        if !v4.isEmpty || !v6.isEmpty { request.podPools = PoolChoice(ipv4: v4, ipv6: v6) }
        return request
    }

    static func attachment(_ containerID: String, _ interface: String = "eth0") throws -> SpiderCore.Attachment {
        try SpiderCore.Attachment(containerID: containerID, interface: interface)
    }

    /// A pool built in code, the way a user would write it.
    static func pool(_ name: String, _ subnet: String, _ ips: [String], exclude: [String] = [], gateway: String? = nil,
                     version: Int? = nil) -> SpiderIPPool {
        SpiderIPPool(name: name, subnet: subnet, ips: ips, excludeIPs: exclude, gateway: gateway, ipVersion: version)
    }

    /// The IPAMError `body` throws, or nil.
    static func ipamError(_ body: () throws -> Void) -> IPAMError? {
        do { try body() } catch let error as IPAMError { return error } catch { return .store("unexpected \(error)") }
        return nil
    }

    /// The ManifestError `body` throws (directly or wrapped in `IPAMError.manifest`), or nil.
    static func manifestError(_ body: () throws -> Void) -> ManifestError? {
        do { try body() } catch let error as ManifestError { return error } catch IPAMError.manifest(let error) { return error } catch {
            return .malformed("unexpected \(error)")
        }
        return nil
    }

    /// A ManifestValue from golden JSON (object keys sorted, so documents are deterministic).
    static func manifest(_ json: JSONValue) -> ManifestValue {
        switch json {
        case .null: .null
        case .bool(let b): .bool(b)
        case .int(let i): .int(i)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .array(let a): .array(a.map(manifest))
        case .object(let o): .object(o.keys.sorted().map { ($0, manifest(o[$0] ?? .null)) })
        }
    }
}

// MARK: - Mapping of the golden cases

enum GoldenPoolMapping {
    /// Go functions of SpiderSubnet auto-pools and the Kubernetes application controller,
    /// which this project does not have (no SpiderSubnet, no workload controller).
    static let notApplicableFunctions: Set<String> = ["GetPoolIPNumber", "CalculateJobPodNum", "AutoPoolName"]

    /// Exactly the golden ids that are "not applicable: SpiderSubnet/Kubernetes controller
    /// behaviour". A new case of these functions makes `notApplicableSetIsExact` fail.
    static let notApplicable: Set<String> = [
        "c515", "c516",                                          // AutoPoolName
        "c517", "c518", "c519", "c520", "c521",                  // GetPoolIPNumber
        "c522", "c523", "c524", "c525", "c526", "c527", "c528",  // CalculateJobPodNum
    ]

    /// The functions this file maps (must equal `GoldenIPCase.poolFunctions`).
    static let mappedFunctions: Set<String> = Set([
        "IPPoolWebhook.ValidateCreate", "IPPoolWebhook.ValidateUpdate", "IPPoolWebhook.ValidateDelete",
        "IPPoolWebhook.Default", "ByPoolPriority.sort", "HasWildcardInStr", "ParseWildcardPoolNameList",
        "findAllocatedIPFromRecords", "IPPoolManager.AllocateIP", "IPPoolManager.ReleaseIP",
        "IPPoolManager.UpdateAllocatedIPs", "IsValidStatefulSetPod",
    ]).union(notApplicableFunctions)

    static var cases: [GoldenIPCase] {
        get throws { try GoldenIPCase.load().filter { GoldenIPCase.poolFunctions.contains($0.fn) } }
    }

    // MARK: Webhook verdicts

    enum Verdict: Equatable, CustomStringConvertible {
        case ok
        case invalid(String)
        case forbidden(String)
        case alreadyExists
        case other(String)

        init(_ body: () throws -> Void) {
            do {
                try body()
                self = .ok
            } catch let error as ManifestError {
                switch error {
                case .invalid, .missingField, .wrongType: self = .invalid(error.description)
                case .forbidden: self = .forbidden(error.description)
                case .alreadyExists: self = .alreadyExists
                case .malformed, .unsupportedKind: self = .other(error.description)
                }
            } catch {
                self = .other("\(error)")
            }
        }

        var description: String {
            switch self {
            case .ok: "OK"
            case .invalid(let m): "Invalid: \(m)"
            case .forbidden(let m): "Forbidden: \(m)"
            case .alreadyExists: "AlreadyExists"
            case .other(let m): "other error: \(m)"
            }
        }
    }

    /// Whether `verdict` is what the golden `expect` text says.
    static func matches(_ expect: String, _ verdict: Verdict) -> Bool {
        func detail(after marker: String) -> String? {
            guard let range = expect.range(of: marker) else { return nil }
            var text = String(expect[range.upperBound...])
            if marker.hasPrefix("("), text.hasSuffix(")") { text.removeLast() }
            for tail in [", ...", " ...", "..."] where text.hasSuffix(tail) { text.removeLast(tail.count) }
            return text.trimmingCharacters(in: .whitespaces)
        }
        switch expect {
        case "OK": return verdict == .ok
        case "AlreadyExists": return verdict == .alreadyExists
        case _ where expect.hasPrefix("Invalid") || expect.hasPrefix("Forbidden (wrapped as Invalid)"):
            let message: String
            switch verdict {
            case .invalid(let m), .forbidden(let m): message = m
            default: return false
            }
            // "Invalid (Forbidden: X)": the message must say X.
            if let wanted = detail(after: "(Forbidden: ") { return message.contains(wanted) }
            return true
        case _ where expect.hasPrefix("Forbidden: "):
            guard case .forbidden(let message) = verdict, let wanted = detail(after: "Forbidden: ") else { return false }
            return message.contains(wanted)
        default:
            return false
        }
    }

    // MARK: Documents

    static let autoPoolAffinity = ManifestValue.object([
        ("matchLabels", .object([
            ("ipam.spidernet.io/app-api-group", .string("apps")), ("ipam.spidernet.io/app-api-version", .string("v1")),
            ("ipam.spidernet.io/app-kind", .string("Deployment")), ("ipam.spidernet.io/app-name", .string("test-name")),
            ("ipam.spidernet.io/app-namespace", .string("default")),
        ])),
    ])

    /// A SpiderIPPool document from a golden pool object: `_…` keys are context, `labels` and
    /// `label <key>` go to metadata, `status` is dropped, the rest is `spec`.
    static func document(name: String, _ input: JSONValue) -> ManifestValue {
        var labels: [(key: String, value: ManifestValue)] = []
        var spec: [(key: String, value: ManifestValue)] = []
        if case .object(let fields) = input {
            for key in fields.keys.sorted() {
                let value = fields[key] ?? .null
                if key.hasPrefix("_") || key == "status" || key == "name" { continue }
                if key == "labels", case .object(let map) = value {
                    labels += map.keys.sorted().map { ($0, PoolTestSupport.manifest(map[$0] ?? .null)) }
                } else if key.hasPrefix("label ") {
                    labels.append((String(key.dropFirst("label ".count)), PoolTestSupport.manifest(value)))
                } else if key == "podAffinity", value == .string("NewAutoPoolPodAffinity(...)") {
                    spec.append((key, autoPoolAffinity))
                } else {
                    spec.append((key, PoolTestSupport.manifest(value)))
                }
            }
        }
        var metadata: [(key: String, value: ManifestValue)] = [("name", .string(name))]
        if !labels.isEmpty { metadata.append(("labels", .object(labels))) }
        return .object([
            ("apiVersion", .string(SpiderIPPool.apiVersion)), ("kind", .string(SpiderIPPool.kind)),
            ("metadata", .object(metadata)), ("spec", .object(spec)),
        ])
    }

    static func context(_ input: JSONValue) -> IPPoolWebhook.Context {
        var context = IPPoolWebhook.Context()
        if input["_enableIPv4"] == .bool(false) { context.enableIPv4 = false }
        if input["_enableIPv6"] == .bool(false) { context.enableIPv6 = false }
        switch input["_ownerSubnet"] {
        case .string("<absent>"): context.ownerSubnetMissing = true
        case .object: context.ownerSubnetIPs = input["_ownerSubnet"]["ips"].stringsValue ?? []
        default: break
        }
        return context
    }

    // MARK: ValidateUpdate scenarios (prose → old/new pairs)

    struct UpdateScenario {
        var old: SpiderIPPool
        var new: SpiderIPPool
        var allocated: [IPAddress: String] = [:]
        var context = IPPoolWebhook.Context()
    }

    /// The pool of Spiderpool's update tests: v4, 172.18.40.0/24, 172.18.40.1-172.18.40.2 + 172.18.40.10.
    static func basePool(ips: [String] = ["172.18.40.1-172.18.40.2", "172.18.40.10"]) throws -> SpiderIPPool {
        try SpiderIPPool(document: document(name: "ippool-update", .object([
            "ipVersion": .int(4), "subnet": .string("172.18.40.0/24"), "ips": .strings(ips),
        ])))
    }

    static func terminating(_ pool: SpiderIPPool, finalizers: [String]) -> SpiderIPPool {
        var result = pool
        result.document.set(["metadata", "deletionTimestamp"], .string("2026-07-08T00:00:00Z"))
        result.document.set(["metadata", "finalizers"], .strings(finalizers))
        return result
    }

    /// An auto-created pool (label `owner-application-name`, the generated podAffinity).
    static func autoPool() throws -> SpiderIPPool {
        var document = document(name: "auto4-test-name-eth0-abcde", .object([
            "ipVersion": .int(4), "subnet": .string("172.18.40.0/24"),
            "ips": .strings(["172.18.40.1-172.18.40.2", "172.18.40.10"]),
            "labels": .object(["ipam.spidernet.io/owner-application-name": .string("test-name")]),
        ]))
        document.set(["spec", "podAffinity"], autoPoolAffinity)
        return try SpiderIPPool(document: document)
    }

    /// The hand mapping of each prose ValidateUpdate case; nil for an id not mapped yet
    /// (which fails the case, so a new golden case cannot pass unnoticed).
    static func updateScenario(_ id: String) throws -> UpdateScenario? {
        let old = try basePool()
        var new = old
        switch id {
        case "c489":  // ipVersion -> nil
            new.ipVersion = nil
        case "c490":  // ipVersion 4 -> 6
            new.ipVersion = 6
        case "c491":  // subnet 172.18.40.0/24 -> 172.18.40.0/25
            new.subnet = "172.18.40.0/25"
        case "c492":  // default false -> true
            new.isDefault = true
        case "c493":  // append 'invalid IP range' to ips
            new.ips.append("invalid IP range")
        case "c494":  // append 172.18.41.10 (outside subnet) to ips
            new.ips.append("172.18.41.10")
        case "c495":  // remove all ips (no allocations)
            new.ips = []
        case "c496":  // remove 172.18.40.10 while status.allocatedIPs has it (held by default/pod)
            new.ips = ["172.18.40.1-172.18.40.2"]
            return UpdateScenario(old: old, new: new, allocated: [IPAddress("172.18.40.10")!: "default/pod"])
        case "c497":  // terminating pool, the update only removes the finalizer
            return UpdateScenario(old: terminating(old, finalizers: [IPPoolWebhook.finalizer]), new: terminating(old, finalizers: []))
        case "c498":  // terminating pool, another update while the finalizer is still there
            new.isDefault = true
            return UpdateScenario(old: terminating(old, finalizers: [IPPoolWebhook.finalizer]),
                                  new: terminating(new, finalizers: [IPPoolWebhook.finalizer]))
        case "c499":  // auto-created pool: spec.ips changed by hand (differs from the subnet's controlledIPPools)
            let auto = try autoPool()
            var edited = auto
            edited.ips.append("172.18.40.11")  // still inside the owner subnet: only the auto-pool rule can refuse it
            var context = IPPoolWebhook.Context()
            context.ownerSubnetIPs = ["172.18.40.1-172.18.40.20"]
            context.controlledIPs = auto.ips
            return UpdateScenario(old: auto, new: edited, context: context)
        case "c500":  // auto-created pool: only annotations changed
            let auto = try autoPool()
            var edited = auto
            edited.document.set(["metadata", "annotations"], .object([("ipam.spidernet.io/ippool-ip-number", .string("+2"))]))
            var context = IPPoolWebhook.Context()
            context.ownerSubnetIPs = ["172.18.40.1-172.18.40.20"]
            context.controlledIPs = auto.ips
            return UpdateScenario(old: auto, new: edited, context: context)
        case "c501":  // SpiderSubnet on: add 172.18.40.10 when the subnet only has 172.18.40.1-172.18.40.2
            let small = try basePool(ips: ["172.18.40.1-172.18.40.2"])
            var grown = small
            grown.ips.append("172.18.40.10")
            var context = IPPoolWebhook.Context()
            context.ownerSubnetIPs = ["172.18.40.1-172.18.40.2"]
            return UpdateScenario(old: small, new: grown, context: context)
        default:
            return nil
        }
        return UpdateScenario(old: old, new: new)
    }

    // MARK: IsValidStatefulSetPod

    /// What we can say about each IsValidStatefulSetPod case from the Pod name alone. Replicas,
    /// `ordinals.start` and the StatefulSet's existence are Kubernetes facts we do not know, so
    /// a name that looks like `NAME-ORDINAL` keeps its address (sticky, policy `.auto`) even
    /// where Spiderpool would call the Pod invalid (scaled down / StatefulSet gone); such
    /// addresses are freed by `release(sticky: .never)` (`spiderctl ip release --forget`).
    static let statefulSetNameVerdict: [String: (looksLikeStatefulSet: Bool, why: String)] = [
        "c509": (true, "sts-0: valid in Spiderpool too"),
        "c510": (true, "sts-1: Spiderpool says invalid because replicas=1 (scaled down): replicas unknown to us"),
        "c511": (true, "sts-0: Spiderpool says invalid because the StatefulSet is missing: unknown to us"),
        "c512": (true, "sts-0: Spiderpool says invalid because ordinals.start=2: unknown to us"),
        "c513": (true, "sts-2: valid in Spiderpool too"),
        "c514": (false, "orphan-pod: no ordinal suffix; Spiderpool errors because the controller is a Pod"),
    ]
}

/// A ledger that always loses the race for an address (Spiderpool's "status update always
/// Conflict"), counting the attempts.
final class AlwaysConflictingLedger: ForwardingLedger, @unchecked Sendable {
    let base: EmbeddedLedger
    private let lock = NSLock()
    private var reserveCalls = 0

    init(base: EmbeddedLedger) { self.base = base }

    var attempts: Int { lock.withLock { reserveCalls } }

    func reserve(_ record: AllocationRecord) throws(IPAMError) -> Bool {
        lock.withLock { reserveCalls += 1 }
        return false
    }
    func transfer(_ record: AllocationRecord, to owner: AllocationOwner) throws(IPAMError) -> Bool { false }
}

// MARK: - Tests

@Suite("Golden pool cases (Fixtures/golden/ip, pool functions)")
struct GoldenPoolCaseTests {
    @Test("every pool function is mapped here")
    func everyPoolFunctionIsMapped() throws {
        #expect(GoldenPoolMapping.mappedFunctions == GoldenIPCase.poolFunctions)
        let present = Set(try GoldenPoolMapping.cases.map(\.fn))
        #expect(present.subtracting(GoldenPoolMapping.mappedFunctions).isEmpty)
    }

    @Test("the not-applicable (SpiderSubnet/Kubernetes controller) cases are exactly the listed ids")
    func notApplicableSetIsExact() throws {
        let ids = Set(try GoldenPoolMapping.cases.filter { GoldenPoolMapping.notApplicableFunctions.contains($0.fn) }.map(\.id))
        #expect(ids == GoldenPoolMapping.notApplicable,
                "not applicable: SpiderSubnet/Kubernetes controller behaviour — new: \(ids.subtracting(GoldenPoolMapping.notApplicable).sorted()), gone: \(GoldenPoolMapping.notApplicable.subtracting(ids).sorted())")
    }

    @Test("pool cases", arguments: try GoldenPoolMapping.cases)
    func poolCase(_ c: GoldenIPCase) throws {
        switch c.fn {
        case "IPPoolWebhook.ValidateCreate": try validateCreate(c)
        case "IPPoolWebhook.ValidateUpdate": try validateUpdate(c)
        case "IPPoolWebhook.ValidateDelete": validateDelete(c)
        case "IPPoolWebhook.Default": try defaulting(c)
        case "ByPoolPriority.sort": byPoolPriority(c)
        case "HasWildcardInStr":
            #expect(.bool(Glob.hasWildcard(c.input.stringValue ?? "")) == c.expect, "\(c.id) \(c.input)")
        case "ParseWildcardPoolNameList": parseWildcard(c)
        case "findAllocatedIPFromRecords": try findAllocated(c)
        case "IPPoolManager.AllocateIP": try allocateIP(c)
        case "IPPoolManager.ReleaseIP": try releaseIP(c)
        case "IPPoolManager.UpdateAllocatedIPs": try updateAllocatedIPs(c)
        case "IsValidStatefulSetPod": statefulSetName(c)
        case let fn where GoldenPoolMapping.notApplicableFunctions.contains(fn):
            #expect(GoldenPoolMapping.notApplicable.contains(c.id), "\(c.id) \(fn): not applicable, but not listed")
        default:
            Issue.record("\(c.id) \(c.fn): no mapping")
        }
    }

    // MARK: Webhook

    func validateCreate(_ c: GoldenIPCase) throws {
        let name = "ippool-\(c.id)"
        let input = c.input["pool"]
        let document = GoldenPoolMapping.document(name: name, input)
        var context = GoldenPoolMapping.context(input)
        if case .array(let existing) = c.input["existingPools"] {
            for (index, item) in existing.enumerated() {
                let other = item == .string("<same name>") ? document : GoldenPoolMapping.document(name: "z-exist-ippool-\(index)", item)
                context.existingPools.append(try SpiderIPPool(document: other))
            }
        }
        let expect = c.expect.stringValue ?? "?"
        // No defaulting first: Spiderpool's ValidateCreate tests call the validator directly
        // (c454 checks a nil ipVersion).
        let verdict = GoldenPoolMapping.Verdict {
            try IPPoolWebhook.validateCreate(try SpiderIPPool(document: document), context: context)
        }
        #expect(GoldenPoolMapping.matches(expect, verdict), "\(c.id) ValidateCreate: expected \(expect), got \(verdict)")
    }

    func validateUpdate(_ c: GoldenIPCase) throws {
        let expect = c.expect.stringValue ?? "?"
        guard let scenario = try GoldenPoolMapping.updateScenario(c.id) else {
            Issue.record("\(c.id) ValidateUpdate '\(c.input["change"].stringValue ?? "")' has no hand mapping")
            return
        }
        let verdict = GoldenPoolMapping.Verdict {
            try IPPoolWebhook.validateUpdate(old: scenario.old, new: scenario.new, allocated: scenario.allocated, context: scenario.context)
        }
        #expect(GoldenPoolMapping.matches(expect, verdict),
                "\(c.id) ValidateUpdate '\(c.input["change"].stringValue ?? "")': expected \(expect), got \(verdict)")
    }

    func validateDelete(_ c: GoldenIPCase) {
        var context = IPPoolWebhook.Context()
        context.protectDeletion = c.input["enableValidatingResourcesDeletedWebhook"] == .bool(true)
        let pool = SpiderIPPool(name: "ippool-\(c.id)", subnet: "172.18.40.0/24", ipVersion: 4)
        let expect = c.expect.stringValue ?? "?"
        let verdict = GoldenPoolMapping.Verdict {
            try IPPoolWebhook.validateDelete(pool, allocatedCount: c.input["status.allocatedIPCount"].intValue ?? 0, context: context)
        }
        #expect(GoldenPoolMapping.matches(expect, verdict), "\(c.id) ValidateDelete: expected \(expect), got \(verdict)")
    }

    func defaulting(_ c: GoldenIPCase) throws {
        let pool = IPPoolWebhook.defaulted(try SpiderIPPool(document: GoldenPoolMapping.document(name: "ippool-\(c.id)", c.input)))
        let expect = c.expect
        if let ips = expect["ips"].stringsValue { #expect(pool.ips == ips, "\(c.id) ips") }
        if Self.hasKey(expect, "ipVersion") {
            #expect(pool.ipVersion == expect["ipVersion"].intValue, "\(c.id) ipVersion (null: stays nil)")
        }
        if case .object(let labels) = expect["labels"] {
            for (key, value) in labels { #expect(pool.labels[key] == value.stringValue, "\(c.id) label \(key)") }
        }
        if let finalizers = expect["finalizers"].stringsValue {
            let actual = (pool.document["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(actual == finalizers, "\(c.id) finalizers")
        }
    }

    static func hasKey(_ value: JSONValue, _ key: String) -> Bool {
        if case .object(let object) = value { return object.keys.contains(key) }
        return false
    }

    // MARK: Ordering and wildcards

    func byPoolPriority(_ c: GoldenIPCase) {
        guard case .array(let items) = c.input else { Issue.record("\(c.id): input is not a list"); return }
        let selector = LabelSelector(matchLabels: ["app": "demo"])
        let pools = items.map { item -> SpiderIPPool in
            var pool = SpiderIPPool(name: item["name"].stringValue ?? "?", subnet: "10.0.0.0/24", ipVersion: 4)
            if item["podAffinity"] == .bool(true) { pool.podAffinity = selector }
            if item["nodeAffinity"] == .bool(true) { pool.nodeAffinity = selector }
            if item["namespaceAffinity"] == .bool(true) { pool.namespaceAffinity = selector }
            pool.nodeName = item["nodeName"].stringsValue ?? []
            pool.namespaceName = item["namespaceName"].stringsValue ?? []
            pool.multusName = item["multusName"].stringsValue ?? []
            return pool
        }
        let sorted = PoolSelector.sortedByPriority(pools).map(\.name)
        #expect(.strings(sorted) == c.expect, "\(c.id) ByPoolPriority: got \(sorted)")
    }

    func parseWildcard(_ c: GoldenIPCase) {
        let names = c.input["names"].stringsValue ?? []
        var family = IPFamily.v4
        var existing: [String] = c.input["existingPools"].stringsValue ?? []
        if let v4 = c.input["existingPools(v4)"].stringsValue { existing = v4 }
        if let v6 = c.input["existingPools(v6)"].stringsValue { existing = v6; family = .v6 }
        let pools = existing.map { name in
            family == .v4 ? SpiderIPPool(name: name, subnet: "10.0.0.0/24", ipVersion: 4)
                : SpiderIPPool(name: name, subnet: "fd00::/120", ipVersion: 6)
        }
        let selector = PoolSelector(pools: pools)
        do {
            let expanded = try selector.expand(names, family)
            if c.errorKind != nil {
                Issue.record("\(c.id) ParseWildcardPoolNameList \(names): expected an error (\(c.errorMessage ?? "")), got \(expanded)")
                return
            }
            #expect(.strings(expanded) == c.expect["names"], "\(c.id) expanded names")
            #expect(.bool(names.contains(where: Glob.hasWildcard)) == c.expect["hasWildcard"], "\(c.id) hasWildcard")
        } catch {
            #expect(c.errorKind != nil, "\(c.id): unexpected error \(error)")
            // Spiderpool: "failed to match wildcard: … syntax error in pattern". Ours must name the pattern.
            if let bad = names.first(where: { $0.contains("[") && $0.contains("]") && $0.filter { $0 == "[" }.count != $0.filter { $0 == "]" }.count }) {
                #expect(error.description.contains(bad), "\(c.id): the error must name the bad pattern \(bad): \(error)")
            }
        }
    }

    // MARK: Records and the allocator

    /// The pool the record-based cases use: two addresses, so that "not found" shows as the
    /// other address being handed out (not as a full pool).
    static func recordPool(_ name: String) -> SpiderIPPool {
        PoolTestSupport.pool(name, "172.18.40.0/24", ["172.18.40.40-172.18.40.41"])
    }

    /// Writes golden `records` (`{ip: {pod, podUid}}`) into the ledger; each is held by the
    /// attachment `sandbox-<podUid>`/eth0.
    static func seed(_ store: PoolScratchStore, pool: String, _ records: JSONValue) throws {
        guard case .object(let map) = records else { return }
        for (ip, holder) in map {
            let pod = holder["pod"].stringValue ?? ""
            let uid = holder["podUid"].stringValue ?? ""
            let request = try PoolTestSupport.request("sandbox-\(uid)", pod: pod, uid: uid)
            let record = AllocationRecord(pool: pool, address: IPAddress(ip)!, owner: request.owner)
            #expect(try store.ledger.reserve(record))
        }
    }

    /// The ledger's records of a pool as golden `{ip: {pod, podUid}}`.
    static func recordMap(_ store: PoolScratchStore, pool: String) throws -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: try store.ledger.records(pool: pool).map {
            ($0.address.description, JSONValue.object(["pod": .string($0.owner.pod), "podUid": .string($0.owner.podUID)]))
        }))
    }

    /// findAllocatedIPFromRecords(records, pod, uid): Spiderpool finds the record of the same
    /// Pod key and UID. Ours: a new sandbox of that Pod (same ns/name, UID and interface, new
    /// container ID) takes over exactly that record (`AddressChooser.previousHolding`, then
    /// `IPAMService.allocate`); "not found" → it gets the other address and the record stays.
    func findAllocated(_ c: GoldenIPCase) throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let name = "ippool-\(c.id)"
        try store.apply(Self.recordPool(name))
        try Self.seed(store, pool: name, c.input["records"])
        let before = try Self.recordMap(store, pool: name)
        let request = try PoolTestSupport.request("new-sandbox", pod: c.input["namespacedName"].stringValue ?? "",
                                                  uid: c.input["podUid"].stringValue ?? "", v4: [name])
        let previous = AddressChooser.previousHolding(try store.ledger.records(pool: name), request)
        let result = try store.service.allocate(request)
        let address = result.addresses.first?.address.address.description
        if c.expect["found"] == .bool(true) {
            #expect(previous?.address.description == c.expect["ip"].stringValue, "\(c.id) previousHolding")
            #expect(address == c.expect["ip"].stringValue, "\(c.id) the new sandbox takes over the record")
            #expect(try store.ledger.records(pool: name).count == 1, "\(c.id) no second record")
        } else {
            #expect(previous == nil, "\(c.id) previousHolding must not match")
            #expect(address != nil && !(c.input["records"].objectKeys.contains(address ?? "")), "\(c.id) got \(address ?? "nothing")")
            #expect(try store.ledger.records(pool: name).count == 2, "\(c.id) the old record stays")
            // The old holder's record is untouched.
            let after = try Self.recordMap(store, pool: name)
            for key in c.input["records"].objectKeys { #expect(after[key] == before[key], "\(c.id) record \(key) unchanged") }
        }
    }

    /// AllocateIP: c446 a pool with one IP gives `172.18.40.40/24` with its gateway and one
    /// record; c447 a record of the same Pod UID is handed back (retried ADD, and a new
    /// sandbox of the same Pod); c448 a missing pool → `poolNotFound`; c449 every write loses
    /// the race → a bounded number of attempts and a retryable error (`storeUnavailable`,
    /// Spiderpool's ErrRetriesExhausted), never "all IP addresses used out".
    func allocateIP(_ c: GoldenIPCase) throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let name = "ippool-\(c.id)"
        let poolInput = c.input["pool"]
        if poolInput == .string("non-existent") {
            try store.apply(PoolTestSupport.pool("other", "172.18.40.0/24", ["172.18.40.40"]))
            let request = try PoolTestSupport.request("c1", pod: "default/pod", uid: "pod-uid", v4: ["non-existent"])
            let error = PoolTestSupport.ipamError { _ = try store.service.allocate(request) }
            #expect(error == .poolNotFound("non-existent"), "\(c.id): \(String(describing: error))")
            #expect(try store.ledger.allRecords().isEmpty)
            return
        }
        let document = GoldenPoolMapping.document(name: name, poolInput.withDefault("subnet", "172.18.40.0/24"))
        try store.service.apply([.ipPool(try SpiderIPPool(document: document))])
        let request = try PoolTestSupport.request("c1", pod: "default/pod", uid: "pod-uid", v4: [name])

        if c.errorKind == "ErrRetriesExhausted" {
            let conflicting = AlwaysConflictingLedger(base: store.ledger)
            let service = IPAMService(ledger: conflicting)
            let error = PoolTestSupport.ipamError { _ = try service.allocate(request) }
            #expect(conflicting.attempts == service.maxAttempts, "\(c.id): bounded retries, got \(conflicting.attempts)")
            #expect(try store.ledger.allRecords().isEmpty, "\(c.id): nothing written")
            if case .storeUnavailable(let message)? = error {
                #expect(message.contains(name), "\(c.id): the message names the pool: \(message)")
            } else {
                Issue.record("\(c.id): retries exhausted must be a retryable storeUnavailable error, got \(String(describing: error))")
            }
            return
        }

        if case .object(let status) = poolInput["status"], case .object(let allocated) = status["allocatedIPs"] {
            // c447: the pool already records this Pod (same UID) on an earlier sandbox.
            for (ip, _) in allocated {
                let earlier = try PoolTestSupport.request("c0", pod: "default/pod", uid: "pod-uid")
                #expect(try store.ledger.reserve(AllocationRecord(pool: name, address: IPAddress(ip)!, owner: earlier.owner)))
            }
        }
        let result = try store.service.allocate(request)
        let first = result.addresses.first
        #expect(result.addresses.count == 1, "\(c.id): one address")
        #expect(first?.address.description == c.expect["address"].stringValue, "\(c.id) address")
        #expect(first?.gateway?.description == c.expect["gateway"].stringValue, "\(c.id) gateway")
        #expect(first?.pool == name)
        #expect(first?.address.address.family == .v4)
        if let gateway = first?.gateway {
            #expect(result.routes.contains(PoolRoute(dst: IPNetwork("0.0.0.0/0")!, gw: gateway)), "\(c.id) default route via the gateway")
        }
        let records = try store.ledger.records(pool: name)
        #expect(records.count == 1, "\(c.id) allocatedIPCount 1")
        #expect(records.first?.owner.pod == "default/pod")
        #expect(records.first?.owner.podUID == "pod-uid")
        #expect(records.first?.owner.interface == "eth0")
        if case .object(let expected) = c.expect["status.allocatedIPs"] {
            #expect(Set(expected.keys) == Set(records.map(\.address.description)))
        }
        // A retried ADD of the same attachment returns the same.
        #expect(try store.service.allocate(request) == result, "\(c.id) retried ADD")
        #expect(try store.ledger.records(pool: name).count == 1)
    }

    /// ReleaseIP(records, [(ip, uid)]): Spiderpool drops a record only when IP and UID match.
    /// Ours releases by attachment: the record is held by `sandbox-<uid>`; releasing the
    /// attachment of the given UID releases it, any other attachment releases nothing.
    func releaseIP(_ c: GoldenIPCase) throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let name = "ippool-\(c.id)"
        try store.apply(Self.recordPool(name))
        try Self.seed(store, pool: name, c.input["records"])
        guard case .array(let releases) = c.input["release"] else { Issue.record("\(c.id): no release list"); return }
        for item in releases {
            let uid = item["uid"].stringValue ?? ""
            let released = try store.service.release(try PoolTestSupport.attachment("sandbox-\(uid)"))
            let holders = c.input["records"].objectKeys.filter { c.input["records"][$0]["podUid"].stringValue == uid }
            #expect(Set(released.map { $0.address.description }) == Set(holders.filter { $0 == item["ip"].stringValue }), "\(c.id) released")
        }
        let after = try Self.recordMap(store, pool: name)
        #expect(after == c.expect["records_after"], "\(c.id) records after: \(after)")
        if Self.hasKey(c.expect, "status.allocatedIPs") {
            #expect(try store.ledger.records(pool: name).isEmpty, "\(c.id) nothing recorded (allocatedIPs absent)")
        }
    }

    /// UpdateAllocatedIPs(records, pod, [(ip, newUID)]): a re-created Pod of the same
    /// namespace/name keeps the address under its new UID. Ours: the ledger primitive is
    /// `transfer` (the record moves to the new owner in one atomic step), and the allocator
    /// uses it (1) to take over the record of the same Pod UID + interface under a new
    /// container ID and (2) to hand a parked sticky record to the Pod's next incarnation
    /// (new UID). A record of another Pod key is never handed over (c453's "data broken").
    func updateAllocatedIPs(_ c: GoldenIPCase) throws {
        let store = try PoolScratchStore()
        defer { store.remove() }
        let name = "ippool-\(c.id)"
        try store.apply(Self.recordPool(name))
        try Self.seed(store, pool: name, c.input["records"])
        let pod = c.input["namespacedName"].stringValue ?? ""
        guard case .array(let updates) = c.input["update"] else { Issue.record("\(c.id): no update list"); return }
        for update in updates {
            let ip = update["ip"].stringValue ?? ""
            let newUID = update["uid"].stringValue ?? ""
            let oldUID = c.input["records"][ip]["podUid"].stringValue ?? ""
            // Park the address as DEL of a sticky Pod does.
            _ = try store.service.release(try PoolTestSupport.attachment("sandbox-\(oldUID)"), sticky: .always)
            var next = try PoolTestSupport.request("sandbox-\(newUID)", pod: pod, uid: newUID, v4: [name])
            next.sticky = .always
            let result = try store.service.allocate(next)
            let got = result.addresses.first?.address.address.description
            if c.errorKind == nil {
                #expect(got == ip, "\(c.id): the same Pod gets its address back under the new UID")
            } else {
                #expect(got != ip, "\(c.id): another Pod (\(pod)) must not take \(ip)")
                let holder = try store.ledger.records(pool: name).first { $0.address.description == ip }
                #expect(holder?.owner.pod == c.input["records"][ip]["pod"].stringValue, "\(c.id): \(ip) still kept for its Pod")
                #expect(holder?.owner.podUID == oldUID)
            }
        }
        if case .object(let expected) = c.expect {
            let after = try Self.recordMap(store, pool: name)
            for (ip, value) in expected { #expect(after[ip] == value, "\(c.id) record \(ip)") }
        }
        // The primitive itself: transfer rewrites the owner (UID) atomically, and refuses a
        // stale view of the record.
        if c.errorKind == nil, let record = try store.ledger.records(pool: name).first {
            var owner = record.owner
            owner.podUID = "NEWER"
            owner.containerID = "sandbox-newer"
            #expect(try store.ledger.transfer(record, to: owner))
            #expect(try store.ledger.records(pool: name).first?.owner.podUID == "NEWER")
            #expect(try !store.ledger.transfer(record, to: owner), "a stale record view is refused")
        }
    }

    func statefulSetName(_ c: GoldenIPCase) {
        let name = c.input["podName"].stringValue ?? ""
        guard let verdict = GoldenPoolMapping.statefulSetNameVerdict[c.id] else {
            Issue.record("\(c.id) IsValidStatefulSetPod(\(name)): no documented mapping")
            return
        }
        #expect(AllocationRequest.looksLikeStatefulSetPod(name) == verdict.looksLikeStatefulSet, "\(c.id) \(verdict.why)")
        // Where Spiderpool says valid, the name test must agree (it is a necessary condition).
        if c.expect == .bool(true) { #expect(AllocationRequest.looksLikeStatefulSetPod(name)) }
        // Sticky policy `.auto` follows the name.
        var request = AllocationRequest(attachment: SpiderCore.Attachment(unchecked: "c1", "eth0"))
        request.podName = name
        #expect(request.isSticky == verdict.looksLikeStatefulSet)
    }
}

extension JSONValue {
    /// The keys of an object (empty otherwise).
    fileprivate var objectKeys: [String] {
        if case .object(let object) = self { return object.keys.sorted() }
        return []
    }

    /// The object with `key` set to `value` when it is missing.
    fileprivate func withDefault(_ key: String, _ value: String) -> JSONValue {
        guard case .object(var object) = self else { return self }
        if object[key] == nil { object[key] = .string(value) }
        return .object(object)
    }
}
