/// A Kubernetes label selector (`matchLabels` and `matchExpressions`), as SpiderIPPool
/// affinities use it.
public struct LabelSelector: Sendable, Hashable {
    /// One `matchExpressions` entry.
    public struct Requirement: Sendable, Hashable {
        public enum Operator: String, Sendable, Hashable, CaseIterable {
            case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist"
        }

        public var key: String
        public var `operator`: Operator
        public var values: [String]

        public init(key: String, operator: Operator, values: [String] = []) {
            self.key = key
            self.operator = `operator`
            self.values = values
        }

        func matches(_ labels: [String: String]) -> Bool {
            switch self.operator {
            case .in: labels[key].map(values.contains) ?? false
            case .notIn: labels[key].map { !values.contains($0) } ?? true
            case .exists: labels[key] != nil
            case .doesNotExist: labels[key] == nil
            }
        }
    }

    public var matchLabels: [String: String]
    public var matchExpressions: [Requirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [Requirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    /// Whether the selector selects nothing in particular (it then matches every object).
    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    /// Whether an object with `labels` is selected.
    public func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value } && matchExpressions.allSatisfy { $0.matches(labels) }
    }

    /// Reads a selector; keys and values are validated as Kubernetes label keys and values.
    static func parse(_ value: ManifestValue, field: String, fields: ManifestFields) throws(ManifestError) -> LabelSelector {
        let labels = try fields.stringMap(value["matchLabels"], "\(field).matchLabels")
        for (key, text) in labels {
            if let problem = LabelSelector.keyProblem(key) { throw fields.invalid("\(field).matchLabels", "key \"\(key)\": \(problem)") }
            if let problem = LabelSelector.valueProblem(text) { throw fields.invalid("\(field).matchLabels", "value \"\(text)\" of \"\(key)\": \(problem)") }
        }
        var expressions: [Requirement] = []
        if let raw = value["matchExpressions"], !raw.isNull {
            guard case .array(let items) = raw else { throw fields.wrong("\(field).matchExpressions", "a list", raw) }
            for (index, item) in items.enumerated() {
                let path = "\(field).matchExpressions[\(index)]"
                guard let key = try fields.string(item["key"], "\(path).key") else { throw .missingField(kind: fields.kind, name: fields.name, field: "\(path).key") }
                guard let operatorText = try fields.string(item["operator"], "\(path).operator"),
                      let op = Requirement.Operator(rawValue: operatorText) else {
                    throw fields.invalid("\(path).operator", "must be In, NotIn, Exists or DoesNotExist")
                }
                let values = try fields.strings(item["values"], "\(path).values")
                if let problem = LabelSelector.keyProblem(key) { throw fields.invalid("\(path).key", problem) }
                switch op {
                case .in where values.isEmpty, .notIn where values.isEmpty:
                    throw fields.invalid("\(path).values", "must be specified when `operator` is 'In' or 'NotIn'")
                case .exists where !values.isEmpty, .doesNotExist where !values.isEmpty:
                    throw fields.invalid("\(path).values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
                default: break
                }
                for text in values {
                    if let problem = LabelSelector.valueProblem(text) { throw fields.invalid("\(path).values", "\"\(text)\": \(problem)") }
                }
                expressions.append(Requirement(key: key, operator: op, values: values))
            }
        }
        return LabelSelector(matchLabels: labels, matchExpressions: expressions)
    }

    var manifest: ManifestValue {
        var result = ManifestValue.object([])
        if !matchLabels.isEmpty { result["matchLabels"] = .stringMap(matchLabels) }
        if !matchExpressions.isEmpty {
            result["matchExpressions"] = .array(matchExpressions.map { requirement in
                var item = ManifestValue.object([("key", .string(requirement.key)), ("operator", .string(requirement.operator.rawValue))])
                if !requirement.values.isEmpty { item["values"] = .strings(requirement.values) }
                return item
            })
        }
        return result
    }

    /// Why `text` is not a label value (≤ 63 characters, alphanumeric at both ends, `-_.` inside).
    static func valueProblem(_ text: String) -> String? {
        if text.isEmpty { return nil }
        guard text.utf8.count <= 63 else { return "must be no more than 63 characters" }
        return isQualifiedNamePart(text) ? nil
            : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    }

    /// Why `key` is not a label key (`[prefix/]name`).
    static func keyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, !name.isEmpty, name.utf8.count <= 63, isQualifiedNamePart(String(name)) else {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        if parts.count == 2, !ResourceName.isDNSSubdomain(String(parts[0])) { return "prefix part must be a DNS-1123 subdomain" }
        return nil
    }

    static func isQualifiedNamePart(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

/// Kubernetes object names.
public enum ResourceName {
    /// Whether `name` is a DNS-1123 subdomain (what cluster-scoped objects such as
    /// SpiderIPPool are named with): ≤ 253 characters, lower-case alphanumerics, `-` and `.`,
    /// alphanumeric at both ends of every dot-separated label. Such a name is safe as a file name.
    public static func isDNSSubdomain(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last else { return false }
            let lowerAlnum: (UInt8) -> Bool = { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            guard lowerAlnum(first), lowerAlnum(last), label.allSatisfy({ lowerAlnum($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }
}
