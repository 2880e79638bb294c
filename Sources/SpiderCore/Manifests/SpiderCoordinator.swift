/// A SpiderCoordinator manifest (`spiderpool.spidernet.io/v2beta1`): the cluster-wide
/// coordinator settings, and in its status the cluster's Pod and Service CIDRs.
///
/// The coordinator plugin reads it for what its CNI configuration leaves out.
public struct SpiderCoordinator: Sendable, Hashable {
    public static let kind = "SpiderCoordinator"

    public var name: String
    /// The settings, in the CNI configuration's shape (`podDefaultRouteNIC` becomes
    /// `podDefaultRouteNic`; the status CIDRs fill `overlayPodCIDR` and `serviceCIDR`).
    public var settings: CoordinatorNetConf
    /// `status.phase`: `Synced` or `NotReady`.
    public var phase: String?
    /// `status.reason`.
    public var reason: String?
    public var document: ManifestValue

    public init(document: ManifestValue) throws(ManifestError) {
        guard document["kind"]?.stringValue == SpiderCoordinator.kind else {
            throw .unsupportedKind(apiVersion: document["apiVersion"]?.stringValue, kind: document["kind"]?.stringValue, expected: "SpiderCoordinator")
        }
        let name = document["metadata"]?["name"]?.stringValue ?? "default"
        let fields = ManifestFields(kind: SpiderCoordinator.kind, name: name)
        let spec = try fields.object(document["spec"], "spec") ?? .object([])
        let status = try fields.object(document["status"], "status") ?? .object([])
        var settings = CoordinatorNetConf()
        settings.mode = try fields.string(spec["mode"], "spec.mode")
        settings.hijackCIDR = try fields.strings(spec["hijackCIDR"], "spec.hijackCIDR")
        if let raw = spec["policyRoutes"], case .array(let items) = raw {
            var routes: [CoordinatorNetConf.RawPolicyRoute] = []
            for (index, item) in items.enumerated() {
                guard let dst = try fields.string(item["dst"], "spec.policyRoutes[\(index)].dst"),
                      let gw = try fields.string(item["gw"], "spec.policyRoutes[\(index)].gw") else {
                    throw .missingField(kind: SpiderCoordinator.kind, name: name, field: "spec.policyRoutes[\(index)]")
                }
                routes.append(.init(dst: dst, gw: gw))
            }
            settings.policyRoutes = routes
        }
        settings.podMACPrefix = try fields.string(spec["podMACPrefix"], "spec.podMACPrefix")
        settings.tunePodRoutes = try fields.bool(spec["tunePodRoutes"], "spec.tunePodRoutes")
        settings.podDefaultRouteNic = try fields.string(spec["podDefaultRouteNIC"], "spec.podDefaultRouteNIC")
        settings.hostRuleTable = try fields.int(spec["hostRuleTable"], "spec.hostRuleTable")
        settings.podRPFilter = try fields.int(spec["podRPFilter"], "spec.podRPFilter")
        settings.txQueueLen = try fields.int(spec["txQueueLen"], "spec.txQueueLen")
        settings.vethLinkAddress = try fields.string(spec["vethLinkAddress"], "spec.vethLinkAddress")
        settings.vethMTU = try fields.int(spec["vethMTU"], "spec.vethMTU")
        settings.overlayPodCIDR = try fields.strings(status["overlayPodCIDR"], "status.overlayPodCIDR")
        settings.serviceCIDR = try fields.strings(status["serviceCIDR"], "status.serviceCIDR")
        self.name = name
        self.settings = settings
        phase = try fields.string(status["phase"], "status.phase")
        reason = try fields.string(status["reason"], "status.reason")
        self.document = document
    }

    /// What went wrong with a text read as a SpiderCoordinator, in words that quote nothing of
    /// the text (a SpiderCoordinator path can name any file, and the message ends up in Pod
    /// events): the problem and the field, and which document was expected.
    public static func summary(of error: ManifestError) -> String {
        let expected = "expected a spiderpool.spidernet.io/v2beta1 SpiderCoordinator document"
        switch error {
        case .malformed: return "the file is not valid YAML or JSON; \(expected)"
        case .unsupportedKind: return "the file holds no SpiderCoordinator; \(expected)"
        case .wrongType(_, _, let field, let expectedType, _): return "\(field): expected \(expectedType)"
        case .missingField(_, _, let field): return "\(field): Required value"
        case .invalid(_, _, let field, _), .forbidden(_, _, let field, _): return "\(field) is invalid"
        case .alreadyExists: return "the document is a duplicate; \(expected)"
        }
    }

    /// The first SpiderCoordinator of a file's documents.
    /// - Parameter documents: the file's documents.
    public static func parse(documents: [ManifestValue]) throws(ManifestError) -> SpiderCoordinator {
        for document in documents where document["kind"]?.stringValue == kind {
            return try SpiderCoordinator(document: document)
        }
        throw .unsupportedKind(apiVersion: nil, kind: nil, expected: "SpiderCoordinator")
    }
}
