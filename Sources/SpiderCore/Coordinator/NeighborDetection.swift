/// What the coordinator checks on the wire before it tunes a NIC, and how long it may take
/// (Spiderpool's `detectIPConflict`, `detectGateway` and `detectOptions`).
///
/// Each check sends ``retries`` probes ``interval`` apart and listens until ``timeout`` after the
/// last one, so a clean check costs `(retries - 1) × interval + timeout`: 120 ms by default.
/// Conflicts and gateways are checked together, both families at once.
public struct NeighborDetection: Sendable, Hashable {
    /// Probe each address of the NIC (ARP probes from 0.0.0.0, RFC 5227; IPv6 duplicate
    /// address detection) and fail the ADD when another MAC answers.
    public var detectIPConflict = false
    /// Resolve each gateway of the NIC (ARP, NDP) and fail the ADD when one does not answer.
    public var detectGateway = false
    /// How many probes each check sends (1 to 10; default 3).
    public var retries = 3
    /// The time between two probes (0 to 1 s; default 10 ms).
    public var interval: Duration = .milliseconds(10)
    /// How long after the last probe an answer is waited for (1 ms to 2 s; default 100 ms).
    public var timeout: Duration = .milliseconds(100)

    public init() {}

    /// Whether anything is checked.
    public var isEnabled: Bool { detectIPConflict || detectGateway }

    /// The longest a clean check takes: the last probe's time plus the timeout.
    public var bound: Duration { interval * (retries - 1) + timeout }

    /// Reads the settings; absent keys keep their defaults.
    /// - Throws: ``CoordinatorError/invalidDetectOption(_:)`` for a value out of range or a
    ///   duration that cannot be read.
    public init(detectIPConflict: Bool?, detectGateway: Bool?, options: CoordinatorNetConf.RawDetectOptions?) throws(CoordinatorError) {
        self.detectIPConflict = detectIPConflict ?? false
        self.detectGateway = detectGateway ?? false
        guard let options else { return }
        if let retries = options.retries {
            guard (1...10).contains(retries) else { throw .invalidDetectOption("detectOptions.retries must be 1 to 10, not \(retries)") }
            self.retries = retries
        }
        if let text = options.interval {
            let value = try NeighborDetection.duration(text, field: "detectOptions.interval")
            guard value <= .seconds(1) else { throw .invalidDetectOption("detectOptions.interval must be at most 1s, not \(text)") }
            interval = value
        }
        if let text = options.timeout {
            let value = try NeighborDetection.duration(text, field: "detectOptions.timeout")
            guard value >= .milliseconds(1), value <= .seconds(2) else {
                throw .invalidDetectOption("detectOptions.timeout must be 1ms to 2s, not \(text)")
            }
            timeout = value
        }
    }

    /// `10ms`, `1.5s`, `250us`: a duration as the settings write it.
    public static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
        if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
        return "\(nanoseconds)ns"
    }

    /// A Go-style duration: a number and a unit (`ns`, `us`, `µs`, `ms`, `s`), for example
    /// `100ms` or `1.5s`; `0` alone is zero.
    public static func duration(_ text: String, field: String) throws(CoordinatorError) -> Duration {
        let trimmed = text.trimmingWhitespace
        if trimmed == "0" { return .zero }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1)]
        for (unit, scale) in units where trimmed.hasSuffix(unit) {
            let number = trimmed.dropLast(unit.count)
            guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number), value.isFinite,
                  value >= 0, value * scale <= 3600 else { break }
            return .nanoseconds(Int64((value * scale * 1e9).rounded()))
        }
        throw .invalidDetectOption("\(field) '\(text)' is not a duration such as 10ms or 1s")
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
