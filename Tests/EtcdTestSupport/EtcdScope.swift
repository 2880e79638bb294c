import Testing

extension EtcdServer {
    /// The server of the enclosing ``EtcdScope`` suite.
    @TaskLocal public static var current: EtcdServer?

    /// The suite's server, or a failure that says the suite lacks `.etcd`.
    public static func shared() throws -> EtcdServer {
        guard let server = current else { throw Missing(description: "the suite has no .etcd trait") }
        return server
    }
}

/// A suite trait that starts one etcd for the whole suite and stops it afterwards; tests read
/// it through ``EtcdServer/shared()`` and keep apart by key prefix.
public struct EtcdScope: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try EtcdServer(name: "suite")
        defer { server.stop() }
        try await EtcdServer.$current.withValue(server) { try await function() }
    }
}

extension Trait where Self == EtcdScope {
    /// One real etcd for the suite.
    public static var etcd: EtcdScope { EtcdScope() }
}
