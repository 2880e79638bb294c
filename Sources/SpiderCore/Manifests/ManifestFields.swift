/// Typed reading of a manifest's fields, with errors that name the manifest and the field.
struct ManifestFields {
    let kind: String
    let name: String

    func string(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let text) = value else { throw wrong(field, "a string", value) }
        return text
    }

    func int(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> Int? {
        guard let value, !value.isNull else { return nil }
        switch value {
        case .int(let number): return number
        case .double(let number) where number == number.rounded() && abs(number) < 1e15: return Int(number)
        default: throw wrong(field, "an integer", value)
        }
    }

    func bool(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> Bool? {
        guard let value, !value.isNull else { return nil }
        guard case .bool(let flag) = value else { throw wrong(field, "true or false", value) }
        return flag
    }

    func strings(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else { throw wrong(field, "a list of strings", value) }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else { throw wrong("\(field)[\(index)]", "a string", item) }
            result.append(text)
        }
        return result
    }

    func stringMap(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> [String: String] {
        guard let value, !value.isNull else { return [:] }
        guard case .object(let pairs) = value else { throw wrong(field, "a mapping of strings", value) }
        var result: [String: String] = [:]
        for (key, item) in pairs {
            guard case .string(let text) = item else { throw wrong("\(field).\(key)", "a string", item) }
            result[key] = text
        }
        return result
    }

    func object(_ value: ManifestValue?, _ field: String) throws(ManifestError) -> ManifestValue? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else { throw wrong(field, "a mapping", value) }
        return value
    }

    func wrong(_ field: String, _ expected: String, _ found: ManifestValue) -> ManifestError {
        .wrongType(kind: kind, name: name, field: field, expected: expected, found: found.kindName)
    }

    func invalid(_ field: String, _ reason: String) -> ManifestError {
        .invalid(kind: kind, name: name, field: field, reason: reason)
    }
}

extension ManifestValue {
    /// Sets or removes a value at a path of object keys, creating objects on the way.
    mutating func set(_ path: [String], _ value: ManifestValue?) {
        guard let first = path.first else {
            if let value { self = value }
            return
        }
        if path.count == 1 {
            self[first] = value
            return
        }
        var child = self[first] ?? .object([])
        if case .object = child {} else { child = .object([]) }
        child.set(Array(path.dropFirst()), value)
        self[first] = child
    }

    static func strings(_ values: [String]) -> ManifestValue { .array(values.map(ManifestValue.string)) }

    static func stringMap(_ map: [String: String]) -> ManifestValue {
        .object(map.keys.sorted().map { ($0, .string(map[$0] ?? "")) })
    }
}
