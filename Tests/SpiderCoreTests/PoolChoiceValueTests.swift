import Testing
import SpiderCore

/// The pool annotations given as values (`ipam.spidernet.io/ippool` and `…/ippools`): a string
/// is the annotation's JSON text, an object or array is taken as it is; both forms answer the
/// same, with the messages the text form always had.
@Suite("PoolChoice: annotations as values")
struct PoolChoiceValueTests {
    /// The description of the IPAMError `body` throws, or nil.
    static func message(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as IPAMError { return error.description } catch { return "unexpected \(error)" }
        return nil
    }

    static let single = "ipam.spidernet.io/ippool"
    static let multiple = "ipam.spidernet.io/ippools"

    @Test("ippool: a string value is the annotation's text, an object is used as is")
    func singleForms() throws {
        let text = #"{"ipv4": ["a", "b"], "ipv6": ["c"], "cleangateway": true, "unknown": 1}"#
        let expected = PoolChoice(ipv4: ["a", "b"], ipv6: ["c"], cleanGateway: true)
        #expect(try PoolChoice.parseSingle(text) == expected)
        #expect(try PoolChoice.parseSingle(.string(text)) == expected)
        let object = try #require(ManifestValue.parse(json: text))
        #expect(try PoolChoice.parseSingle(object) == expected)
        #expect(try PoolChoice.parseSingle(" \n\(text)\t ") == expected, "white space around the text")
        #expect(try PoolChoice.parseSingle(.object([])) == PoolChoice())
        #expect(try PoolChoice.parseSingle(#"{"ipv4": null, "interface": null, "cleangateway": null}"#) == PoolChoice())
    }

    @Test("ippools: a string value is the annotation's text, an array is used as is")
    func multipleForms() throws {
        let text = #"[{"interface": "eth0", "ipv4": ["a"]}, {"interface": "net1", "ipv6": ["b6"], "cleangateway": false}]"#
        let array = try #require(ManifestValue.parse(json: text))
        for interface in ["eth0", "net1"] {
            let fromText = try PoolChoice.parseMultiple(text, interface: interface)
            #expect(fromText != nil)
            #expect(try PoolChoice.parseMultiple(.string(text), interface: interface) == fromText)
            #expect(try PoolChoice.parseMultiple(array, interface: interface) == fromText)
        }
        #expect(try PoolChoice.parseMultiple(array, interface: "net1") == PoolChoice(interface: "net1", ipv6: ["b6"], cleanGateway: false))
        let positional = ManifestValue.array([.object([("ipv4", .array([.string("a")]))]), .object([("ipv4", .array([.string("b")]))])])
        #expect(try PoolChoice.parseMultiple(positional, interface: "net1")?.ipv4 == ["b"])
        #expect(try PoolChoice.parseMultiple(positional, interface: "net2") == nil)
    }

    /// Annotation text and the exact message: a JSON string or number at the top level is JSON
    /// (it fails the type check), only text that is no JSON at all is "not JSON".
    static let singleErrors: [(String, String)] = [
        ("", "invalid format of Pod annotation '\(single)': not JSON"),
        ("{not json", "invalid format of Pod annotation '\(single)': not JSON"),
        (#"{"ipv4": ["a"]} {}"#, "invalid format of Pod annotation '\(single)': not JSON"),
        (#""{\"ipv4\": [\"a\"]}""#, #"ipam.spidernet.io/ippool must be a JSON object like {"ipv4":["pool"]}"#),
        ("5", #"ipam.spidernet.io/ippool must be a JSON object like {"ipv4":["pool"]}"#),
        ("null", #"ipam.spidernet.io/ippool must be a JSON object like {"ipv4":["pool"]}"#),
        (#"["a"]"#, #"ipam.spidernet.io/ippool must be a JSON object like {"ipv4":["pool"]}"#),
        (#"{"ipv4": "a"}"#, "\(single): ipv4 must be a list of pool names"),
        (#"{"ipv6": ["a", 1]}"#, "\(single): ipv6 must be a list of pool names"),
        (#"{"interface": ""}"#, "\(single): interface must be a name"),
        (#"{"interface": 1}"#, "\(single): interface must be a name"),
        (#"{"cleangateway": 1}"#, "\(single): cleangateway must be true or false"),
        (#"{"cleangateway": "true"}"#, "\(single): cleangateway must be true or false"),
    ]

    @Test("ippool errors: the same message from text, a string value and a parsed value")
    func singleMessages() throws {
        for (text, reason) in Self.singleErrors {
            let expected = "wrong input, invalid pool selection: \(reason)"
            #expect(Self.message { _ = try PoolChoice.parseSingle(text) } == expected, "\(text)")
            #expect(Self.message { _ = try PoolChoice.parseSingle(.string(text)) } == expected, "\(text)")
            if let parsed = ManifestValue.parse(json: text), parsed.stringValue == nil {
                #expect(Self.message { _ = try PoolChoice.parseSingle(parsed) } == expected, "\(text) parsed")
            }
        }
    }

    static let multipleErrors: [(String, String)] = [
        ("", "invalid format of Pod annotation '\(multiple)': not JSON"),
        ("[{]", "invalid format of Pod annotation '\(multiple)': not JSON"),
        (#""[]""#, "\(multiple) must be a JSON array of objects"),
        ("1.5", "\(multiple) must be a JSON array of objects"),
        (#"{"ipv4": ["a"]}"#, "\(multiple) must be a JSON array of objects"),
        ("[]", "\(multiple): value requires at least one item"),
        (#"[{"ipv4": ["a"]}, "b"]"#, "\(multiple): every item must be an object"),
        (#"[{"ipv4": "a"}]"#, "\(multiple): ipv4 must be a list of pool names"),
    ]

    @Test("ippools errors: the same message from text, a string value and a parsed value")
    func multipleMessages() throws {
        for (text, reason) in Self.multipleErrors {
            let expected = "wrong input, invalid pool selection: \(reason)"
            #expect(Self.message { _ = try PoolChoice.parseMultiple(text, interface: "eth0") } == expected, "\(text)")
            #expect(Self.message { _ = try PoolChoice.parseMultiple(.string(text), interface: "eth0") } == expected, "\(text)")
            if let parsed = ManifestValue.parse(json: text), parsed.stringValue == nil {
                #expect(Self.message { _ = try PoolChoice.parseMultiple(parsed, interface: "eth0") } == expected, "\(text) parsed")
            }
        }
    }

    @Test("a string value is parsed once: JSON text inside a JSON string is not unwrapped again")
    func parsedOnce() {
        let twice = ManifestValue.string(ManifestValue.quoted(#"{"ipv4":["a"]}"#))
        #expect(Self.message { _ = try PoolChoice.parseSingle(twice) }
            == #"wrong input, invalid pool selection: ipam.spidernet.io/ippool must be a JSON object like {"ipv4":["pool"]}"#)
    }
}
