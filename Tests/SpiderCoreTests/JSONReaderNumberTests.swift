import Testing
@testable import SpiderCore

/// Numbers as JSON spells them, and nothing Swift's `Int(_:)` or `Double(_:)` would also take.
@Suite("JSON reader: number syntax")
struct JSONReaderNumberTests {
    @Test("JSON numbers parse", arguments: [
        ("0", ManifestValue.int(0)), ("-0", .int(0)), ("7", .int(7)), ("-12", .int(-12)), ("1500", .int(1500)),
        ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)), ("0.5", .double(0.5)),
        ("-0.25", .double(-0.25)), ("1e3", .double(1000)), ("1E+3", .double(1000)), ("25e-1", .double(2.5)),
        ("10.0", .double(10)), ("0e0", .double(0)), ("9223372036854775808", .double(9_223_372_036_854_775_808)),
    ])
    func valid(_ text: String, _ value: ManifestValue) {
        #expect(ManifestValue.parse(json: text) == value)
        #expect(ManifestValue.parse(json: "[\(text)]") == .array([value]))
        #expect(ManifestValue.parse(json: #"{"n":\#(text)}"#) == .object([("n", value)]))
    }

    @Test("what is no JSON number is refused", arguments: [
        "+5", "05", "-05", "00", "1.", ".5", "-.5", "-", "+", "1e", "1e+", "1E-", "1.e3", "--1", "1-", "1e3.5", "1.2.3", "0x10", "1ee2",
        "e3",
    ])
    func invalid(_ text: String) {
        #expect(JSONReader.isNumber(ArraySlice(text.utf8)) == false)
        #expect(ManifestValue.parse(json: text) == nil)
        #expect(ManifestValue.parse(json: "[\(text)]") == nil)
        #expect(ManifestValue.parse(json: #"{"n": \#(text)}"#) == nil)
    }
}
