/// The node's default CNI network, as `podCIDRType: auto` resolves it: the lexically first
/// `.conf`/`.conflist` file of the CNI configuration directory (Multus' `00-multus` file
/// excepted), and that network's **name**.
public struct DefaultCNI: Sendable, Hashable {
    /// The file's path.
    public var path: String
    /// The network's `name`.
    public var networkName: String

    public init(path: String, networkName: String) {
        self.path = path
        self.networkName = networkName
    }

    /// What `auto` resolves to (see ``PodCIDRType/init(cniNetworkName:)``).
    public var podCIDRType: PodCIDRType { PodCIDRType(cniNetworkName: networkName) }

    /// The file Spiderpool picks among a directory's entries: names ending in `.conf` or
    /// `.conflist` (not `.json`), whose path does not contain `00-multus`, lexically first.
    public static func candidate(fileNames: [String], directory: String) -> String? {
        fileNames
            .filter { $0.hasSuffix(".conf") || $0.hasSuffix(".conflist") }
            .filter { !join(directory, $0).contains("00-multus") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .first
    }

    /// `directory/name`, as Go's `filepath.Join` would write it for a clean directory.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Reads a CNI configuration file's network name, as libcni loads a `.conflist`
    /// (`ConfListFromBytes`) or a `.conf` (`ConfFromBytes`).
    /// - Throws: ``DetectionError/invalidCNIConfigList(path:detail:)`` or
    ///   ``DetectionError/invalidCNIConfig(path:detail:)`` with libcni's message.
    public init(path: String, contents: String) throws(DetectionError) {
        let isList = path.hasSuffix(".conflist")
        func fail(_ detail: String) -> DetectionError {
            isList ? .invalidCNIConfigList(path: path, detail: detail) : .invalidCNIConfig(path: path, detail: detail)
        }
        if let syntax = GoJSONSyntax.error(in: contents) { throw fail(syntax) }
        guard let value = JSONReader.parse(contents) else { throw fail("unexpected end of JSON input") }
        guard case .object = value else {
            throw fail("json: cannot unmarshal \(DefaultCNI.goKind(value)) into Go value of type \(isList ? "map[string]interface {}" : "types.NetConf")")
        }
        let name: String
        if isList {
            guard let raw = value["name"] else { throw fail("no name") }
            guard let text = raw.stringValue else { throw fail("invalid name type \(DefaultCNI.goType(raw))") }
            guard let plugins = value["plugins"] else { throw fail("no 'plugins' key") }
            guard let list = plugins.arrayValue else { throw fail("invalid 'plugins' type \(DefaultCNI.goType(plugins))") }
            guard !list.isEmpty else { throw fail("no plugins in list") }
            name = text
        } else {
            if let raw = value["name"], !raw.isNull, raw.stringValue == nil {
                throw fail("json: cannot unmarshal \(DefaultCNI.goKind(raw)) into Go struct field NetConf.name of type string")
            }
            guard let type = value["type"]?.stringValue, !type.isEmpty else { throw fail("missing 'type'") }
            name = value["name"]?.stringValue ?? ""
        }
        self.init(path: path, networkName: name)
    }

    static func goKind(_ value: ManifestValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "bool"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func goType(_ value: ManifestValue) -> String {
        switch value {
        case .null: "<nil>"
        case .bool: "bool"
        case .int, .double: "float64"
        case .string: "string"
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        }
    }
}
