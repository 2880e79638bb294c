import Foundation
import Testing
import SpiderCore

/// The line a ledger stores per address (the embedded ledger's record file, etcd's record key):
/// its bytes are pinned, so stores written by earlier versions keep reading and later versions
/// keep writing what those read. Foundation's `JSONDecoder`, which read the owner until
/// SpiderCore dropped Foundation, reads every line the same way SpiderCore's reader does.
@Suite("ledger record line: pinned bytes, read as JSONDecoder read it")
struct OwnerLineTests {
    /// A record whose owner has every character the escaper treats specially.
    static let oddRecord = AllocationRecord(
        pool: "pool-\u{E9}",
        address: IPAddress("fd00::a")!,
        owner: AllocationOwner(
            attachment: Attachment(unchecked: "c0ffee_1.2-3", "net1"),
            podNamespace: "ns\"quoted\\back/slash",
            podName: "p\nq\tr\rs\u{01}\u{08}\u{0C}\u{1F}",
            podUID: "\u{7F}\u{2028}\u{1F41D}",
            node: ""))

    @Test("the line of a record with odd characters, byte for byte")
    func pinnedLine() {
        let expected = #"{"pool":"pool-\#u{E9}","ip":"fd00::a","containerID":"c0ffee_1.2-3","interface":"net1","#
            + #""podNamespace":"ns\"quoted\\back/slash","podName":"p\nq\tr\rs\u0001\u0008\u000c\u001f","#
            + #""podUID":"\#u{7F}\#u{2028}\#u{1F41D}","node":""}"# + "\n"
        #expect(Self.oddRecord.ledgerText == expected)
        #expect(Array(Self.oddRecord.ledgerText.utf8) == Array(expected.utf8))
    }

    @Test("a plain record's line: keys in this order, no spaces, one newline")
    func plainLine() {
        let record = AllocationRecord(
            pool: "default-v4", address: IPAddress("10.6.0.20")!,
            owner: AllocationOwner(attachment: Attachment(unchecked: "abc123", "eth0"), podNamespace: "default", podName: "web-0",
                                   podUID: "7f1c6a7e-0000-4000-8000-000000000001", node: "worker-1"))
        #expect(record.ledgerText == #"{"pool":"default-v4","ip":"10.6.0.20","containerID":"abc123","interface":"eth0","#
            + #""podNamespace":"default","podName":"web-0","podUID":"7f1c6a7e-0000-4000-8000-000000000001","node":"worker-1"}"# + "\n")
    }

    @Test("the written line reads back to the same owner, with either reader")
    func roundTrip() throws {
        let line = Self.oddRecord.ledgerText
        #expect(AllocationRecord.decodedOwner(ledgerText: line) == Self.oddRecord.owner)
        #expect(try JSONDecoder().decode(AllocationOwner.self, from: Data(line.utf8)) == Self.oddRecord.owner)
    }

    /// Lines another writer could have left: other escapes for the same text, other key order,
    /// extra keys, white space.
    static let equivalentLines = [
        #"{"containerID":"c","interface":"eth0","podNamespace":"a\/b","podName":"\u00e9\ud83d\udc1d","podUID":"","node":"n"}"#,
        #" { "node" : "n", "podUID" : "", "podName" : "é🐝", "podNamespace" : "a/b", "interface" : "eth0", "containerID" : "c" } "# + "\n",
        #"{"pool":"p","ip":"10.0.0.1","extra":[1,{"x":null}],"containerID":"c","interface":"eth0","podNamespace":"a/b","podName":"é🐝","podUID":"","node":"n"}"#,
    ]

    @Test("other spellings of the same owner read the same", arguments: equivalentLines)
    func equivalentSpellings(_ line: String) throws {
        let expected = AllocationOwner(attachment: Attachment(unchecked: "c", "eth0"), podNamespace: "a/b", podName: "é🐝", podUID: "", node: "n")
        #expect(AllocationRecord.decodedOwner(ledgerText: line) == expected)
        #expect(try JSONDecoder().decode(AllocationOwner.self, from: Data(line.utf8)) == expected)
    }

    /// Damaged or foreign lines: neither reader finds an owner in them.
    static let damagedLines = [
        "",
        "\n",
        #"{"pool":"p","ip":"10.0.0.1","containerID":"c","interface":"eth0","podNamespace":"","podName":"","podUID":"","no"#,
        #"{"containerID":"c","interface":"eth0","podNamespace":"","podName":"","podUID":""}"#,
        #"{"containerID":"c","interface":"eth0","podNamespace":"","podName":"","podUID":"","node":null}"#,
        #"{"containerID":"c","interface":"eth0","podNamespace":"","podName":"","podUID":"","node":7}"#,
        #"["c","eth0","","","",""]"#,
        #""c""#,
        "null",
        #"{"containerID":"c","interface":"eth0","podNamespace":"","podName":"","podUID":"","node":""} trailing"#,
        "\u{0}\u{0}\u{0}\u{0}",
    ]

    @Test("damaged lines have no owner, and count as an unknown owner", arguments: damagedLines)
    func damaged(_ line: String) {
        #expect(AllocationRecord.decodedOwner(ledgerText: line) == nil)
        #expect((try? JSONDecoder().decode(AllocationOwner.self, from: Data(line.utf8))) == nil)
        #expect(AllocationRecord.owner(ledgerText: line).containerID == AllocationOwner.unknownContainerID)
    }
}
