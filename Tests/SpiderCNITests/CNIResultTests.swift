import SpiderCore
import Testing
@testable import SpiderCNI

/// A result read from one version and printed in another.
struct CNIResultTests {
    static let legacy = #"""
        {"cniVersion":"0.4.0","interfaces":[{"name":"net1","mac":"aa:bb:cc:dd:ee:ff","sandbox":"/var/run/netns/p"}],
         "ips":[{"version":"4","address":"10.6.212.101/16","gateway":"10.6.0.1","interface":0}],
         "routes":[{"dst":"0.0.0.0/0","gw":"10.6.0.1"}],"dns":{"nameservers":["10.233.0.3"]}}
        """#

    @Test("0.4.0 in, 1.0.0 out: no per-IP version, keys in sorted order")
    func upgrade() throws {
        let result = try CNIResult(value: try #require(ManifestValue.parse(json: Self.legacy)))
        #expect(result.json(version: "1.0.0") == #"{"cniVersion":"1.0.0","dns":{"nameservers":["10.233.0.3"]},"#
            + #""interfaces":[{"mac":"aa:bb:cc:dd:ee:ff","name":"net1","sandbox":"/var/run/netns/p"}],"#
            + #""ips":[{"address":"10.6.212.101/16","gateway":"10.6.0.1","interface":0}],"routes":[{"dst":"0.0.0.0/0","gw":"10.6.0.1"}]}"#)
    }

    @Test("0.3.1 out: each IP says its version")
    func downgrade() throws {
        let result = try CNIResult(value: try #require(ManifestValue.parse(json: Self.legacy)))
        let printed = try #require(ManifestValue.parse(json: result.json(version: "0.3.1")))
        #expect(printed["ips"]?.arrayValue?.first?["version"] == .string("4"))
    }

    @Test("route fields of 1.1.0 are kept only from 1.1.0 on")
    func modernRoutes() throws {
        let text = #"{"cniVersion":"1.1.0","routes":[{"dst":"10.0.0.0/8","mtu":1400,"table":101,"scope":0}]}"#
        let result = try CNIResult(value: try #require(ManifestValue.parse(json: text)))
        #expect(result.json(version: "1.1.0").contains(#""mtu":1400"#))
        #expect(!result.json(version: "1.0.0").contains("mtu"))
    }

    @Test("a field of the wrong type is a decoding failure (6) naming it", arguments: [
        #"{"ips":[{"address":"10.0.0.1/24","interface":"0"}]}"#,
        #"{"ips":{"address":"10.0.0.1/24"}}"#,
        #"{"interfaces":[{"mac":"aa"}]}"#,
        #"{"routes":[{"dst":"nowhere"}]}"#,
        #"{"routes":[{"dst":"10.0.0.0/8","mtu":"big"}]}"#,
    ])
    func wrongTypes(text: String) throws {
        let value = try #require(ManifestValue.parse(json: text))
        #expect(throws: CNIError.self) { try CNIResult(value: value) }
        do { _ = try CNIResult(value: value) } catch { #expect(error.code == CNIError.decodingFailure) }
    }
}
