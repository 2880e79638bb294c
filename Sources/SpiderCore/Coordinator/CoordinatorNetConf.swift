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
    public var detectIPConflict: Bool?
    public var detectGateway: Bool?
    public var detectOptions: RawDetectOptions?

    /// `detectOptions` as written: `{"retries": 3, "interval": "10ms", "timeout": "100ms"}`.
    public struct RawDetectOptions: Sendable, Hashable, Codable {
        public var retries: Int?
        public var interval: String?
        public var timeout: String?
        public init(retries: Int? = nil, interval: String? = nil, timeout: String? = nil) {
            self.retries = retries
            self.interval = interval
            self.timeout = timeout
        }
    }

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

    /// Decodes the configuration from the CNI JSON text (unknown keys are ignored).
    /// - Parameter json: the configuration's UTF-8 bytes.
    /// - Throws: ``CoordinatorError/undecodableConfig(_:)`` for text that is not a JSON object,
    ///   or naming the field that is off.
    public init(json: [UInt8]) throws(CoordinatorError) {
        guard let value = ManifestValue.parse(json: json) else { throw .undecodableConfig("the configuration is not JSON") }
        try self.init(value: value)
    }

    /// Decodes the configuration from the parsed CNI configuration (unknown keys are ignored;
    /// `null` counts as absent).
    /// - Parameter value: the configuration, a JSON object.
    /// - Throws: ``CoordinatorError/undecodableConfig(_:)`` naming the field that is off.
    public init(value: ManifestValue) throws(CoordinatorError) {
        guard value.objectValue != nil else { throw .undecodableConfig("the configuration must be a JSON object, not \(value.kindName)") }
        let reader = FieldReader(value)
        cniVersion = try reader.string("cniVersion")
        name = try reader.string("name")
        type = try reader.string("type")
        mode = try reader.string("mode")
        overlayPodCIDR = try reader.strings("overlayPodCIDR")
        serviceCIDR = try reader.strings("serviceCIDR")
        hijackCIDR = try reader.strings("hijackCIDR")
        policyRoutes = try reader.policyRoutes("policyRoutes")
        podMACPrefix = try reader.string("podMACPrefix")
        tunePodRoutes = try reader.bool("tunePodRoutes")
        podDefaultRouteNic = try reader.string("podDefaultRouteNic")
        podDefaultCniNic = try reader.string("podDefaultCniNic")
        hostRuleTable = try reader.int("hostRuleTable")
        podRPFilter = try reader.int("podRPFilter")
        txQueueLen = try reader.int("txQueueLen")
        vethLinkAddress = try reader.string("vethLinkAddress")
        vethMTU = try reader.int("vethMTU")
        detectIPConflict = try reader.bool("detectIPConflict")
        detectGateway = try reader.bool("detectGateway")
        if let options = reader.present("detectOptions") {
            guard options.objectValue != nil else { throw reader.mismatch("detectOptions", "an object", options) }
            let nested = FieldReader(options, path: "detectOptions")
            detectOptions = RawDetectOptions(retries: try nested.int("retries"), interval: try nested.string("interval"),
                                             timeout: try nested.string("timeout"))
        }
    }

    /// Typed reads of an object's fields, each error naming the field's path.
    struct FieldReader {
        let object: ManifestValue
        var path: String = ""

        init(_ object: ManifestValue, path: String = "") {
            self.object = object
            self.path = path
        }

        func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func present(_ key: String) -> ManifestValue? {
            guard let value = object[key], !value.isNull else { return nil }
            return value
        }

        func mismatch(_ key: String, _ expected: String, _ found: ManifestValue) -> CoordinatorError {
            .undecodableConfig("\(name(key)) must be \(expected), not \(found.kindName)")
        }

        func string(_ key: String) throws(CoordinatorError) -> String? {
            guard let value = present(key) else { return nil }
            guard let text = value.stringValue else { throw mismatch(key, "a string", value) }
            return text
        }

        func bool(_ key: String) throws(CoordinatorError) -> Bool? {
            guard let value = present(key) else { return nil }
            guard let flag = value.boolValue else { throw mismatch(key, "true or false", value) }
            return flag
        }

        func int(_ key: String) throws(CoordinatorError) -> Int? {
            guard let value = present(key) else { return nil }
            switch value {
            case .int(let number): return number
            case .double(let number) where number.rounded() == number && abs(number) < 9.0e15: return Int(number)
            case .double(let number): throw .undecodableConfig("\(name(key)) must be an integer, not \(number)")
            default: throw mismatch(key, "an integer", value)
            }
        }

        func strings(_ key: String) throws(CoordinatorError) -> [String]? {
            guard let value = present(key) else { return nil }
            guard let items = value.arrayValue else { throw mismatch(key, "a list of strings", value) }
            var result: [String] = []
            for (index, item) in items.enumerated() {
                guard let text = item.stringValue else {
                    throw .undecodableConfig("\(name(key))[\(index)] must be a string, not \(item.kindName)")
                }
                result.append(text)
            }
            return result
        }

        func policyRoutes(_ key: String) throws(CoordinatorError) -> [RawPolicyRoute]? {
            guard let value = present(key) else { return nil }
            guard let items = value.arrayValue else { throw mismatch(key, "a list of {\"dst\", \"gw\"}", value) }
            var result: [RawPolicyRoute] = []
            for (index, item) in items.enumerated() {
                let itemPath = "\(name(key))[\(index)]"
                guard item.objectValue != nil else { throw .undecodableConfig("\(itemPath) must be {\"dst\", \"gw\"}, not \(item.kindName)") }
                let reader = FieldReader(item, path: itemPath)
                guard let dst = try reader.string("dst") else { throw .undecodableConfig("\(itemPath).dst is required") }
                guard let gw = try reader.string("gw") else { throw .undecodableConfig("\(itemPath).gw is required") }
                result.append(RawPolicyRoute(dst: dst, gw: gw))
            }
            return result
        }
    }
}
