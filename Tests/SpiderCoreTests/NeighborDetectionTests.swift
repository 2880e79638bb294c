import SpiderCore
import Testing

@Suite("coordinator: detectIPConflict, detectGateway and detectOptions")
struct NeighborDetectionTests {
    @Test("defaults: off, 3 probes 10ms apart, 100ms: a clean check takes at most 120ms")
    func defaults() throws {
        let config = try CoordinatorConfig(netConf: CoordinatorNetConf(value: .object([])))
        #expect(!config.detection.isEnabled)
        #expect(config.detection.bound == .milliseconds(120))
    }

    @Test("Spiderpool's keys are read, durations in Go's spelling")
    func keys() throws {
        let value = ManifestValue.parse(json: #"{"detectIPConflict": true, "detectGateway": false, "detectOptions": {"retries": 2, "interval": "5ms", "timeout": "0.05s"}}"#)!
        let detection = try CoordinatorConfig(netConf: CoordinatorNetConf(value: value)).detection
        #expect(detection.detectIPConflict && !detection.detectGateway && detection.retries == 2)
        #expect(detection.interval == .milliseconds(5) && detection.timeout == .milliseconds(50) && detection.bound == .milliseconds(55))
        #expect(NeighborDetection.text(detection.bound) == "55ms")
    }

    @Test("values out of range or not durations are refused with the field named", arguments: [
        (#"{"detectOptions": {"retries": 0}}"#, "retries"),
        (#"{"detectOptions": {"retries": 11}}"#, "retries"),
        (#"{"detectOptions": {"timeout": "0ms"}}"#, "timeout"),
        (#"{"detectOptions": {"timeout": "3s"}}"#, "timeout"),
        (#"{"detectOptions": {"interval": "2s"}}"#, "interval"),
        (#"{"detectOptions": {"interval": "ten"}}"#, "interval"),
        (#"{"detectOptions": {"timeout": "-1ms"}}"#, "timeout"),
        (#"{"detectOptions": "100ms"}"#, "detectOptions"),
        (#"{"detectIPConflict": "yes"}"#, "detectIPConflict"),
    ])
    func refused(json: String, field: String) {
        do {
            _ = try CoordinatorConfig(netConf: CoordinatorNetConf(value: ManifestValue.parse(json: json)!))
            Issue.record("\(json) was accepted")
        } catch {
            #expect(error.description.contains(field), "\(error)")
        }
    }
}
