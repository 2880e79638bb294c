import Foundation
import Testing

/// The `spiderctl range` contract that scripts rely on: output, exit codes, one-line errors.
@Suite("spiderctl range")
struct RangeCommandTests {
    @Test("examples from the contract", arguments: [
        (["range", "count", "10.6.212.100-10.6.212.200", "--exclude", "10.6.212.150"], ["100"]),
        (["range", "merge", "10.0.0.0/30", "--exclude", "10.0.0.1"], ["10.0.0.0", "10.0.0.2-10.0.0.3"]),
        (["range", "merge", "10.0.0.9", "10.0.0.10", "10.0.0.100", "10.0.0.11"], ["10.0.0.9-10.0.0.11", "10.0.0.100"]),
        (["range", "merge", "ABCD:1234::1-abcd:1234::3", "abcd:1234::4", "10.0.0.1"], ["10.0.0.1", "abcd:1234::1-abcd:1234::4"]),
        (["range", "count", "::/0"], ["340282366920938463463374607431768211456"]),
        (["range", "count", "fd00::/64", "--exclude", "fd00::1-fd00::ff"], ["18446744073709551361"]),
        (["range", "count", "--subnet", "10.6.0.0/16"], ["65536"]),
        (["range", "count", "--ip-version", "6", "fd00::1-fd00::10", "--exclude", "fd00::1-fd00::2"], ["14"]),
        (["range", "contains", "10.6.212.150", "10.6.212.100-10.6.212.200"], ["true"]),
        (["range", "contains", "10.6.212.150", "10.6.212.100-10.6.212.200", "--exclude", "10.6.212.150"], ["false"]),
        (["range", "contains", "fd00::1", "10.0.0.0/8"], ["false"]),
        (["range", "nth", "0", "10.0.0.0/30", "--exclude", "10.0.0.0"], ["10.0.0.1"]),
        (["range", "nth", "340282366920938463463374607431768211455", "::/0"], ["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]),
        (["range", "nth", "1", "10.0.0.1", "fd00::1"], ["fd00::1"]),
    ])
    func contract(_ arguments: [String], _ expected: [String]) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.lines == expected, "\(result)")
        #expect(result.stderr.isEmpty)
    }

    @Test("JSON output carries the same data", arguments: [
        (["range", "merge", "10.0.0.0/30", "--exclude", "10.0.0.1", "--output", "json"], #"["10.0.0.0","10.0.0.2-10.0.0.3"]"#),
        (["range", "count", "::/0", "--output", "json"], "340282366920938463463374607431768211456"),
        (["range", "contains", "10.0.0.1", "10.0.0.0/8", "--output", "json"], "true"),
        (["range", "nth", "2", "10.0.0.0/30", "--output", "json"], #""10.0.0.2""#),
    ])
    func json(_ arguments: [String], _ expected: String) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == expected + "\n")
        #expect((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8), options: [.fragmentsAllowed])) != nil)
    }

    @Test("bad input: exit 1, one line on stderr naming the bad token, nothing on stdout", arguments: [
        (["range", "merge", "10.0.0.5-10.0.0.1"], "10.0.0.5-10.0.0.1"),
        (["range", "merge", "10.0.0.300"], "10.0.0.300"),
        (["range", "count", "10.0.0.1-fd00::1"], "10.0.0.1-fd00::1"),
        (["range", "merge", "--ip-version", "6", "10.0.0.1"], "10.0.0.1"),
        (["range", "merge", "--ip-version", "4", "10.0.0.1", "--exclude", "fd00::1"], "fd00::1"),
        (["range", "merge", "--ip-version", "5", "10.0.0.1"], "5"),
        (["range", "count", "--subnet", "10.0.0.0/24", "10.0.1.1"], "10.0.1.1"),
        (["range", "count", "--subnet", "10.0.0.0/24", "10.0.0.1", "--exclude", "10.9.0.1"], "10.9.0.1"),
        (["range", "count", "--subnet", "10.0.0.0/33"], "10.0.0.0/33"),
        (["range", "contains", "bogus", "10.0.0.0/8"], "bogus"),
        (["range", "contains", "--ip-version", "4", "fd00::1", "fd00::/64"], "fd00::1"),
        (["range", "nth", "4", "10.0.0.0/30"], "4"),
        (["range", "nth", "-1", "10.0.0.0/30"], "-1"),
        (["range", "nth", "x1", "10.0.0.0/30"], "x1"),
        (["range", "merge", "10.0.0.1", "--output", "yaml"], "yaml"),
        (["range", "count"], "range"),
        (["range", "frobnicate"], "frobnicate"),
    ])
    func badInput(_ arguments: [String], _ token: String) throws {
        let result = try CLIRunner.run(arguments)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result)")
        #expect(result.stderr.contains(token), "\(result)")
    }

    @Test("help exits 0 and shows an example")
    func help() throws {
        for arguments in [["--help"], ["range", "--help"], ["range", "merge", "--help"], ["range", "count", "--help"], ["range", "contains", "--help"], ["range", "nth", "--help"]] {
            let result = try CLIRunner.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect(result.stdout.contains("spiderctl"), "\(arguments)")
            #expect(result.stdout.contains("Example"), "\(arguments)")
        }
    }
}
