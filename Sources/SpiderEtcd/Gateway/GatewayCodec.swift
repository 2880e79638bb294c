import Foundation

/// The JSON of etcd's gRPC gateway (`/v3/kv/range`, `/v3/kv/txn`, `/v3/lease/...`): keys and
/// values in base64, 64-bit numbers as strings, fields left out when they are zero.
enum GatewayCodec {
    // MARK: Requests

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    static func rangeRequest(_ range: EtcdRange) -> [String: Any] {
        var request: [String: Any] = ["key": base64(range.key)]
        if let rangeEnd = range.rangeEnd { request["range_end"] = base64(rangeEnd) }
        if range.keysOnly { request["keys_only"] = true }
        if range.countOnly { request["count_only"] = true }
        if let revision = range.minModRevision { request["min_mod_revision"] = String(revision) }
        if range.limit > 0 { request["limit"] = String(range.limit) }
        if range.revision > 0 { request["revision"] = String(range.revision) }
        return request
    }

    static func request(_ operation: EtcdOperation) -> [String: Any] {
        switch operation {
        case .read(let range):
            return ["request_range": rangeRequest(range)]
        case .put(let key, let value, let lease):
            var put: [String: Any] = ["key": base64(key), "value": base64(value)]
            if let lease { put["lease"] = String(lease) }
            return ["request_put": put]
        case .delete(let key, let rangeEnd):
            var delete: [String: Any] = ["key": base64(key)]
            if let rangeEnd { delete["range_end"] = base64(rangeEnd) }
            return ["request_delete_range": delete]
        }
    }

    static func compare(_ compare: EtcdCompare) -> [String: Any] {
        var result: [String: Any] = ["key": base64(compare.key), "result": compare.relation.rawValue]
        if let rangeEnd = compare.rangeEnd { result["range_end"] = base64(rangeEnd) }
        switch compare.target {
        case .version(let value): result["target"] = "VERSION"; result["version"] = String(value)
        case .createRevision(let value): result["target"] = "CREATE"; result["create_revision"] = String(value)
        case .modRevision(let value): result["target"] = "MOD"; result["mod_revision"] = String(value)
        case .value(let value): result["target"] = "VALUE"; result["value"] = base64(value)
        }
        return result
    }

    static func txnRequest(_ compares: [EtcdCompare], _ success: [EtcdOperation], _ failure: [EtcdOperation]) -> [String: Any] {
        ["compare": compares.map(compare), "success": success.map(request), "failure": failure.map(request)]
    }

    static func encode(_ object: [String: Any]) -> [UInt8] {
        // Only strings, booleans, arrays and dictionaries built above: serialisation cannot fail.
        (try? Array(JSONSerialization.data(withJSONObject: object))) ?? Array("{}".utf8)
    }

    // MARK: Answers

    /// The body as a JSON object, or `nil` when it is not one.
    static func jsonObject(_ body: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
    }

    static func int64(_ value: Any?) -> Int64 {
        switch value {
        case let text as String: Int64(text) ?? 0
        case let number as NSNumber: number.int64Value
        default: 0
        }
    }

    static func text(_ base64: Any?) -> String {
        guard let encoded = base64 as? String, let data = Data(base64Encoded: encoded) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether a limited range left keys out.
    static func more(_ range: [String: Any]) -> Bool { range["more"] as? Bool ?? false }

    static func keyValues(_ range: [String: Any]) -> [EtcdKeyValue] {
        (range["kvs"] as? [[String: Any]] ?? []).map { kv in
            EtcdKeyValue(key: text(kv["key"]), value: text(kv["value"]), createRevision: int64(kv["create_revision"]),
                         modRevision: int64(kv["mod_revision"]), version: int64(kv["version"]))
        }
    }

    static func revision(_ answer: [String: Any]) -> Int64 {
        int64((answer["header"] as? [String: Any])?["revision"])
    }

    static func txnResult(_ answer: [String: Any]) -> EtcdTxnResult {
        let responses: [EtcdOperationResult] = (answer["responses"] as? [[String: Any]] ?? []).map { response in
            if let range = response["response_range"] as? [String: Any] { return .range(keyValues(range), count: int64(range["count"])) }
            if let delete = response["response_delete_range"] as? [String: Any] { return .delete(int64(delete["deleted"])) }
            return .put
        }
        return EtcdTxnResult(succeeded: answer["succeeded"] as? Bool ?? false, responses: responses, revision: revision(answer))
    }

    /// The gateway's error body: `{"error": …, "code": gRPC code, "message": …}`; `nil` when
    /// the body is not one (then something other than etcd's gateway answered).
    static func failure(_ body: [UInt8]) -> (code: Int, message: String)? {
        guard let object = jsonObject(body), let code = object["code"] as? NSNumber else { return nil }
        return (code.intValue, object["message"] as? String ?? object["error"] as? String ?? "")
    }
}
