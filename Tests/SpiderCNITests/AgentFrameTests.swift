import SpiderCNI
import SpiderCore
import Testing

@Suite("agent protocol: frames and messages")
struct AgentFrameTests {
    @Test("a frame's header carries the magic, the version, the kind and the length")
    func header() throws {
        let frame = AgentFrame(.call, text: "{}")
        #expect(frame.encoded == [0x53, 0x50, 1, 1, 0, 0, 0, 2, 0x7b, 0x7d])
        let parsed = try AgentFrame.parseHeader(frame.encoded)
        #expect(parsed.kind == .call && parsed.length == 2)
    }

    @Test("headers that are not ours are refused with a reason", arguments: [
        ([0x47, 0x45, 0x54, 0x20, 0, 0, 0, 0] as [UInt8], AgentFrame.HeaderError.notAgentProtocol),
        ([0x53, 0x50, 2, 1, 0, 0, 0, 0], .unsupportedVersion(2)),
        ([0x53, 0x50, 1, 9, 0, 0, 0, 0], .unknownKind(9)),
        ([0x53, 0x50, 1, 1, 0, 0x40, 0, 1], .tooLarge(4_194_305)),
        ([0x53, 0x50, 1], .notAgentProtocol),
    ])
    func refusedHeaders(bytes: [UInt8], expected: AgentFrame.HeaderError) {
        #expect(throws: expected) { try AgentFrame.parseHeader(bytes) }
    }

    @Test("a call, an answer, a refusal and a report survive their JSON")
    func messages() throws {
        let call = AgentCall(plugin: "spiderpool", environment: ["CNI_COMMAND": "ADD", "CNI_ARGS": "K8S_POD_NAME=a;IP=\"x\""],
                             config: "{\"cniVersion\":\"1.1.0\",\n\"name\":\"n\\u00e9\"}")
        #expect(AgentCall(json: Array(call.json.utf8)) == call)
        let answer = AgentAnswer(status: 1, stdout: "{\"code\":11}")
        #expect(AgentAnswer(json: Array(answer.json.utf8)) == answer)
        #expect(AgentRefusal(json: Array(AgentRefusal("busy").json.utf8)).reason == "busy")
        let report = AgentReport(plugin: "coordinator", command: "DEL", succeeded: false, seconds: 0.25)
        #expect(AgentReport(json: Array(report.json.utf8)) == report)
    }

    @Test("a call naming variables it may not carry, or a report with a bad result, is not read", arguments: [
        #"{"plugin":"spiderpool","environment":{"LD_PRELOAD":"/x"},"config":"{}"}"#,
        #"{"plugin":"spiderpool","environment":{"CNI_COMMAND":1},"config":"{}"}"#,
        #"{"plugin":"spiderpool","environment":{}}"#,
        "not json",
    ])
    func unreadableCalls(text: String) {
        #expect(AgentCall(json: Array(text.utf8)) == nil)
    }

    @Test("reports with a result or a duration that cannot be are not read", arguments: [
        #"{"plugin":"spiderpool","command":"ADD","result":"maybe","seconds":1}"#,
        #"{"plugin":"spiderpool","command":"ADD","result":"success","seconds":-1}"#,
        #"{"plugin":"spiderpool","command":"ADD","result":"success"}"#,
    ])
    func unreadableReports(text: String) {
        #expect(AgentReport(json: Array(text.utf8)) == nil)
    }

    @Test("the IPAM keys of the agent: defaults, turned off, wrong types refused")
    func settings() throws {
        let defaults = try #require(try AgentRoute.client(ipam: .object([])))
        #expect(defaults == AgentClient())
        #expect(try AgentRoute.client(ipam: .object([("agent_socket", .string(""))])) == nil)
        let custom = try #require(try AgentRoute.client(ipam: .object([("agent_socket", .string("/tmp/a.sock")), ("agent_accept_timeout_ms", .int(10)),
                                                                       ("agent_answer_timeout_ms", .int(500))])))
        #expect(custom == AgentClient(socketPath: "/tmp/a.sock", acceptTimeout: 10, answerTimeout: 500))
        #expect(throws: CNIError.self) { try AgentRoute.client(ipam: .object([("agent_socket", .int(1))])) }
        #expect(throws: CNIError.self) { try AgentRoute.client(ipam: .object([("agent_accept_timeout_ms", .int(0))])) }
        #expect(throws: CNIError.self) { try AgentRoute.client(ipam: .object([("agent_answer_timeout_ms", .string("1s"))])) }
    }

    @Test("without an agent at the socket the call comes back unavailable at once")
    func noAgent() {
        let client = AgentClient(socketPath: "/nonexistent/agent.sock")
        guard case .failure(.unavailable) = client.call(AgentCall(plugin: "spiderpool", environment: [:], config: "{}")) else {
            Issue.record("expected unavailable")
            return
        }
        client.report(AgentReport(plugin: "spiderpool", command: "DEL", succeeded: true, seconds: 0))
    }
}
