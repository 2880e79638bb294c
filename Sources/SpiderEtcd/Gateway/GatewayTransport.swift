import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// HTTP/1.1 to etcd's JSON gateway, over async-http-client (keep-alive connections, TLS with
/// a CA and a client certificate). Calls block the calling thread, which must not be one of
/// the client's event loops; the ledger above is synchronous, like a CNI call.
final class GatewayTransport: Sendable {
    let client: HTTPClient
    let scheme: String

    init(tls: EtcdStore.TLS, connectTimeout: Duration, requestTimeout: Duration) throws(EtcdError) {
        let configuration = try GatewayTransport.configuration(tls: tls, connectTimeout: connectTimeout, readTimeout: requestTimeout)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        scheme = tls.isEnabled ? "https" : "http"
    }

    /// The client settings for `tls`: HTTP/1.1, the timeouts, the CA and client certificate.
    /// A `readTimeout` of `nil` lets a connection stay silent (a watch).
    static func configuration(tls: EtcdStore.TLS, connectTimeout: Duration, readTimeout: Duration?) throws(EtcdError) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: nil,
            timeout: HTTPClient.Configuration.Timeout(connect: TimeAmount(connectTimeout), read: readTimeout.map { TimeAmount($0) }))
        configuration.httpVersion = .http1Only
        // Fail at once when an endpoint refuses: the client tries the next endpoint itself, and
        // a CNI call must answer "try again later" quickly rather than wait out the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if tls.isEnabled {
            var settings = TLSConfiguration.makeClientConfiguration()
            do {
                if let ca = tls.caFile {
                    settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
                }
                if let cert = tls.certFile, let key = tls.keyFile {
                    settings.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                    settings.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                }
            } catch {
                throw .invalidStore("cannot read the TLS files (CA \(tls.caFile ?? "-"), certificate \(tls.certFile ?? "-"), key \(tls.keyFile ?? "-")): \(error)")
            }
            configuration.tlsConfiguration = settings
        }
        return configuration
    }

    deinit {
        try? client.syncShutdown()
    }

    /// The outcome of one POST: an HTTP answer, or no answer at all.
    enum Outcome: Equatable {
        case answered(status: Int, body: [UInt8])
        /// The request never left this host (the connection could not be made): it may be
        /// sent to another endpoint, even a write.
        case notSent(String)
        /// The connection failed after the request may have been sent.
        case noAnswer(String)
        /// No answer before the deadline; the request may have been sent.
        case timedOut
        /// The TLS handshake failed: a setting to fix, not a reason to try again.
        case tlsFailed(String)
    }

    /// POSTs `body` to `path` at `endpoint`; the whole request, connecting included, may take
    /// at most `timeout`.
    func post(_ endpoint: EtcdStore.Endpoint, _ path: String, _ body: [UInt8], timeout: Duration) -> Outcome {
        let url = "\(scheme)://\(endpoint)\(path)"
        do {
            var request = try HTTPClient.Request(url: url, method: .POST)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
            let response = try client.execute(request: request, deadline: .now() + TimeAmount(timeout)).wait()
            let bytes = response.body.map { Array($0.readableBytesView) } ?? []
            return .answered(status: Int(response.status.code), body: bytes)
        } catch {
            return GatewayTransport.classify(error, scheme: scheme)
        }
    }

    /// What a failed request means, decided by the error's type (never by its wording):
    ///
    /// - a TLS error (`NIOSSLError`, `BoringSSLError`, `NIOSSLExtraError`): a setting to fix;
    /// - a connection that could not be made (`IOError` ECONNREFUSED, a connect timeout, a TLS
    ///   handshake that timed out): the request never left, so even a write may go elsewhere;
    /// - no answer in time (`HTTPClientError.deadlineExceeded`, `.readTimeout`): maybe sent;
    /// - anything else (a closed connection, ...): the request may have been sent.
    static func classify(_ error: any Error, scheme: String) -> Outcome {
        switch error {
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return .tlsFailed(String(describing: error))
        case let io as IOError where io.errnoCode == ECONNREFUSED:
            return .notSent("connection refused")
        case let channel as ChannelError where GatewayTransport.isConnectTimeout(channel):
            return .notSent("connect timed out")
        case let client as HTTPClientError:
            switch client {
            case .connectTimeout: return .notSent("connect timed out")
            case .tlsHandshakeTimeout: return .notSent("TLS handshake timed out")
            case .readTimeout, .deadlineExceeded: return .timedOut
            case .remoteConnectionClosed:
                return .noAnswer("the connection was closed"
                    + (scheme == "http" ? " (an HTTPS endpoint needs the CA file: etcd_ca_cert_file, spiderctl --etcd-cacert)" : ""))
            default: return .noAnswer(String(describing: client))
            }
        default:
            return .noAnswer(String(describing: error))
        }
    }

    static func isConnectTimeout(_ error: ChannelError) -> Bool {
        if case .connectTimeout = error { return true }
        return false
    }
}
