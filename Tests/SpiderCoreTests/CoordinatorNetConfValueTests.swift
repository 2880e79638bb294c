import Foundation
import Testing
import SpiderCore

/// `CoordinatorNetConf(value:)`: the coordinator's configuration read from SpiderCore's JSON
/// value, with exact messages, and accepting what Foundation's `JSONDecoder` accepted (the
/// type is still `Codable`, so the tests compare the two readers input by input).
@Suite("CoordinatorNetConf: decoding a value")
struct CoordinatorNetConfValueTests {
    static func decode(_ json: String) throws(CoordinatorError) -> CoordinatorNetConf {
        try CoordinatorNetConf(json: Array(json.utf8))
    }

    static func message(_ json: String) -> String? {
        do { _ = try decode(json) } catch { return error.description }
        return nil
    }

    @Test("a value and its text decode the same; unknown keys are ignored")
    func valueAndText() throws {
        let json = #"{"mode": "underlay", "hijackCIDR": ["10.0.0.0/8", "fd00::/8"], "vethMTU": 9000, "tunePodRoutes": true,"#
            + #" "policyRoutes": [{"dst": "10.1.0.0/16", "gw": "10.6.0.1", "table": 7}, {"gw": "fd00::1", "dst": "fd01::/64"}],"#
            + #" "args": {"cni": {"ipam.spidernet.io/ippool": "{}"}}, "prevResult": null, "ipam": {"type": "spiderpool"}}"#
        let value = try #require(ManifestValue.parse(json: json))
        let conf = try CoordinatorNetConf(value: value)
        #expect(try Self.decode(json) == conf)
        #expect(conf.mode == "underlay")
        #expect(conf.hijackCIDR == ["10.0.0.0/8", "fd00::/8"])
        #expect(conf.vethMTU == 9000)
        #expect(conf.tunePodRoutes == true)
        #expect(conf.policyRoutes == [.init(dst: "10.1.0.0/16", gw: "10.6.0.1"), .init(dst: "fd01::/64", gw: "fd00::1")])
        #expect(conf.name == nil && conf.serviceCIDR == nil)
    }

    @Test("nested lists of policy routes keep their order; an empty list is not absent")
    func policyRouteLists() throws {
        let routes = (0..<20).map { #"{"dst": "10.\#($0).0.0/16", "gw": "10.6.0.\#($0 + 1)"}"# }.joined(separator: ", ")
        let conf = try Self.decode(#"{"policyRoutes": [\#(routes)]}"#)
        #expect(conf.policyRoutes?.count == 20)
        #expect(conf.policyRoutes?.last == .init(dst: "10.19.0.0/16", gw: "10.6.0.20"))
        #expect(try Self.decode(#"{"policyRoutes": []}"#).policyRoutes == [])
        #expect(try Self.decode(#"{"overlayPodCIDR": []}"#).overlayPodCIDR == [])
    }

    @Test("null is absent, for every field")
    func nulls() throws {
        let fields = ["cniVersion", "name", "type", "mode", "overlayPodCIDR", "serviceCIDR", "hijackCIDR", "policyRoutes", "podMACPrefix",
                      "tunePodRoutes", "podDefaultRouteNic", "podDefaultCniNic", "hostRuleTable", "podRPFilter", "txQueueLen",
                      "vethLinkAddress", "vethMTU"]
        let json = "{" + fields.map { "\"\($0)\": null" }.joined(separator: ", ") + "}"
        #expect(try Self.decode(json) == CoordinatorNetConf())
    }

    @Test("integers: a whole number written with a fraction or exponent is that integer")
    func wholeNumbers() throws {
        #expect(try Self.decode(#"{"vethMTU": 5.0}"#).vethMTU == 5)
        #expect(try Self.decode(#"{"vethMTU": 1.5e3}"#).vethMTU == 1500)
        #expect(try Self.decode(#"{"podRPFilter": -1}"#).podRPFilter == -1)
        #expect(try Self.decode(#"{"hostRuleTable": -0}"#).hostRuleTable == 0)
    }

    /// Configuration text and the exact reason after "failed to parse config: ".
    static let messages: [(String, String)] = [
        ("", "the configuration is not JSON"),
        (#"{"mode": "overlay""#, "the configuration is not JSON"),
        (#"{"mode": "overlay"} {}"#, "the configuration is not JSON"),
        ("[1, 2]", "the configuration must be a JSON object, not a list"),
        (#""coordinator""#, "the configuration must be a JSON object, not a string"),
        ("null", "the configuration must be a JSON object, not null"),
        (#"{"vethMTU": "5"}"#, "vethMTU must be an integer, not a string"),
        (#"{"vethMTU": true}"#, "vethMTU must be an integer, not a boolean"),
        (#"{"hostRuleTable": 1.5}"#, "hostRuleTable must be an integer, not 1.5"),
        (#"{"txQueueLen": [1]}"#, "txQueueLen must be an integer, not a list"),
        (#"{"tunePodRoutes": 1}"#, "tunePodRoutes must be true or false, not an integer"),
        (#"{"tunePodRoutes": "true"}"#, "tunePodRoutes must be true or false, not a string"),
        (#"{"mode": 1}"#, "mode must be a string, not an integer"),
        (#"{"podMACPrefix": {"a": 1}}"#, "podMACPrefix must be a string, not a mapping"),
        (#"{"hijackCIDR": "10.0.0.0/8"}"#, "hijackCIDR must be a list of strings, not a string"),
        (#"{"serviceCIDR": ["10.0.0.0/8", 1]}"#, "serviceCIDR[1] must be a string, not an integer"),
        (#"{"overlayPodCIDR": [null]}"#, "overlayPodCIDR[0] must be a string, not null"),
        (#"{"policyRoutes": {"dst": "a", "gw": "b"}}"#, #"policyRoutes must be a list of {"dst", "gw"}, not a mapping"#),
        (#"{"policyRoutes": [{"dst": "a", "gw": "b"}, ["c", "d"]]}"#, #"policyRoutes[1] must be {"dst", "gw"}, not a list"#),
        (#"{"policyRoutes": [{"dst": 10, "gw": "b"}]}"#, "policyRoutes[0].dst must be a string, not an integer"),
        (#"{"policyRoutes": [{"dst": "a", "gw": "b"}, {"dst": "c"}]}"#, "policyRoutes[1].gw is required"),
        (#"{"policyRoutes": [{"gw": "b"}]}"#, "policyRoutes[0].dst is required"),
        (#"{"policyRoutes": [{"dst": null, "gw": "b"}]}"#, "policyRoutes[0].dst is required"),
    ]

    @Test("type mismatches, missing keys and text that is no JSON object: exact messages")
    func exactMessages() {
        for (json, reason) in Self.messages {
            #expect(Self.message(json) == "failed to parse config: \(reason)", "\(json)")
        }
    }

    /// Inputs on which the two readers must agree: decoded (to equal values) or refused.
    static let corpus: [String] = [
        "{}",
        #"{"cniVersion": "1.0.0", "name": "n", "type": "coordinator", "unknown": {"deep": [1, 2, {"x": null}]}}"#,
        #"{"vethMTU": 1500, "hostRuleTable": 500, "podRPFilter": -1, "txQueueLen": 0}"#,
        #"{"vethMTU": 5.0}"#,
        #"{"vethMTU": 1e3}"#,
        #"{"vethMTU": 1.5}"#,
        #"{"vethMTU": "5"}"#,
        #"{"vethMTU": true}"#,
        #"{"vethMTU": null}"#,
        #"{"vethMTU": +5}"#,
        #"{"vethMTU": 05}"#,
        #"{"vethMTU": 1.}"#,
        #"{"vethMTU": .5e1}"#,
        #"{"vethMTU": -}"#,
        #"{"vethMTU": 9223372036854775807}"#,
        #"{"vethMTU": 9223372036854775808}"#,
        #"{"vethMTU": -9223372036854775808}"#,
        #"{"tunePodRoutes": false}"#,
        #"{"tunePodRoutes": 1}"#,
        #"{"tunePodRoutes": 0}"#,
        #"{"tunePodRoutes": "false"}"#,
        #"{"mode": "overlay", "mode2": 3}"#,
        #"{"mode": 3}"#,
        #"{"mode": null, "hijackCIDR": null, "policyRoutes": null}"#,
        #"{"hijackCIDR": []}"#,
        #"{"hijackCIDR": ["a", "b"]}"#,
        #"{"hijackCIDR": ["a", 1]}"#,
        #"{"hijackCIDR": ["a", null]}"#,
        #"{"hijackCIDR": "a"}"#,
        #"{"policyRoutes": [{"dst": "a", "gw": "b"}]}"#,
        #"{"policyRoutes": [{"dst": "a", "gw": "b", "extra": [1]}]}"#,
        #"{"policyRoutes": [{"dst": "a"}]}"#,
        #"{"policyRoutes": [{"dst": null, "gw": "b"}]}"#,
        #"{"policyRoutes": [null]}"#,
        #"{"policyRoutes": [[]]}"#,
        #"{"policyRoutes": {}}"#,
        #"{"podMACPrefix": "0a:\u0031b", "vethLinkAddress": "169.254.\/1"}"#,
        #"{"name": "\ud83d\udc1d"}"#,
        #"{"name": "\ud83d"}"#,
        #"{"name": "\x"}"#,
        "{\"name\": \"a\tb\"}",
        "[]",
        "\"x\"",
        "7",
        "null",
        "",
        " ",
        "{",
        #"{"a" 1}"#,
        "{} {}",
        " {\"mode\": \"overlay\"} \n",
    ]

    @Test("accepts and refuses what JSONDecoder did, and decodes to the same values", arguments: corpus)
    func sameAsJSONDecoder(_ json: String) {
        let foundation = try? JSONDecoder().decode(CoordinatorNetConf.self, from: Data(json.utf8))
        let ours = try? Self.decode(json)
        #expect(ours == foundation, "ours: \(String(describing: ours)), JSONDecoder: \(String(describing: foundation))")
    }

    /// Foundation's parser takes a comma before the closing bracket; JSON does not, nor does
    /// SpiderCore's reader (no runtime writes one).
    @Test("stricter than JSONDecoder: a trailing comma is refused", arguments: [#"{"mode": "overlay",}"#, #"{"hijackCIDR": ["a",]}"#])
    func trailingComma(_ json: String) {
        #expect((try? JSONDecoder().decode(CoordinatorNetConf.self, from: Data(json.utf8))) != nil)
        #expect(Self.message(json) == "failed to parse config: the configuration is not JSON")
    }
}
