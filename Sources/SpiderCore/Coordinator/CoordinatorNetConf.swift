import Foundation

/// The coordinator's CNI network configuration as it arrives on stdin: every key Spiderpool's
/// coordinator accepts, all optional, still unvalidated. ``CoordinatorConfig`` resolves and
/// validates it.
public struct CoordinatorNetConf: Sendable, Hashable, Codable {
    public var cniVersion: String?
    public var name: String?
    public var type: String?
    public var mode: String?
    public var overlayPodCIDR: [String]?
    public var serviceCIDR: [String]?
    public var hijackCIDR: [String]?
    public var policyRoutes: [RawPolicyRoute]?
    public var podMACPrefix: String?
    public var tunePodRoutes: Bool?
    public var podDefaultRouteNic: String?
    public var podDefaultCniNic: String?
    public var hostRuleTable: Int?
    public var podRPFilter: Int?
    public var txQueueLen: Int?
    public var vethLinkAddress: String?
    public var vethMTU: Int?

    /// A policy route as written: `{"dst": "...", "gw": "..."}`.
    public struct RawPolicyRoute: Sendable, Hashable, Codable {
        public var dst: String
        public var gw: String
        public init(dst: String, gw: String) {
            self.dst = dst
            self.gw = gw
        }
    }

    public init() {}

    /// Decodes the configuration from the CNI JSON (unknown keys are ignored).
    /// - Throws: ``CoordinatorError/undecodableConfig(_:)`` naming the field that is off.
    public init(json: Data) throws(CoordinatorError) {
        do {
            self = try JSONDecoder().decode(CoordinatorNetConf.self, from: json)
        } catch let DecodingError.typeMismatch(type, context) {
            throw .undecodableConfig("\(CoordinatorNetConf.path(context.codingPath)) must be \(type)")
        } catch let DecodingError.dataCorrupted(context) {
            throw .undecodableConfig("\(context.debugDescription) \(CoordinatorNetConf.path(context.codingPath))")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .undecodableConfig("\(CoordinatorNetConf.path(context.codingPath + [key])) is required")
        } catch {
            throw .undecodableConfig("\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
