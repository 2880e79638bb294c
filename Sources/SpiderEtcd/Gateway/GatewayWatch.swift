import AsyncHTTPClient
import NIOCore

/// etcd's watch over the JSON gateway: `POST /v3/watch` answers with one JSON object per line
/// for as long as the connection lives. Its own HTTP client, with no read timeout (a quiet
/// store sends nothing), shut down when the watch ends.
final class GatewayWatch: Sendable {
    let client: HTTPClient
    let scheme: String

    init(tls: EtcdStore.TLS, connectTimeout: Duration) throws(EtcdError) {
        let configuration = try GatewayTransport.configuration(tls: tls, connectTimeout: connectTimeout, readTimeout: nil)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        scheme = tls.isEnabled ? "https" : "http"
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// Streams the answer to `body` at `endpoint` line by line into `handle` until `handle`
    /// returns `false`, the connection ends or the task is cancelled. Each line is at most
    /// 64 MiB (a larger one ends the watch).
    func stream(_ endpoint: EtcdStore.Endpoint, _ body: [UInt8], handle: ([UInt8]) throws(EtcdError) -> Bool) async throws(EtcdError) {
        var request = HTTPClientRequest(url: "\(scheme)://\(endpoint)/v3/watch")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do { response = try await client.execute(request, timeout: .seconds(10)) } catch {
            throw .unavailable(endpoint: endpoint.description, reason: "the watch could not start: \(error)")
        }
        guard response.status.code == 200 else {
            throw .unavailable(endpoint: endpoint.description, reason: "the watch was answered with HTTP \(response.status.code)")
        }
        var pending: [UInt8] = []
        do {
            for try await chunk in response.body {
                pending += chunk.readableBytesView
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.isEmpty { continue }
                    guard try handle(line) else { return }
                }
                guard pending.count <= 64 << 20 else {
                    throw EtcdError.unavailable(endpoint: endpoint.description, reason: "a watch message is larger than 64 MiB")
                }
            }
        } catch let error as EtcdError {
            throw error
        } catch {
            throw .unavailable(endpoint: endpoint.description, reason: "the watch ended: \(error)")
        }
        throw .unavailable(endpoint: endpoint.description, reason: "etcd closed the watch")
    }
}
