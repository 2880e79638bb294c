import SpiderEtcd
import Testing

@Suite("etcd store addresses")
struct EtcdStoreTests {
    @Test("etcd://HOST:PORT[,HOST:PORT][/PREFIX] parses", arguments: [
        ("etcd://127.0.0.1:2379", ["127.0.0.1:2379"], "/spiderpool"),
        ("etcd://127.0.0.1", ["127.0.0.1:2379"], "/spiderpool"),
        ("etcd://a.example:1,b.example:2/cluster/one/", ["a.example:1", "b.example:2"], "/cluster/one"),
        ("etcd://[fd00::1]:2380/x", ["[fd00::1]:2380"], "/x"),
        ("etcd://[fd00::1]/", ["[fd00::1]:2379"], "/spiderpool"),
    ])
    func parses(text: String, endpoints: [String], prefix: String) throws {
        let store = try EtcdStore(parsing: text)
        #expect(store.endpoints.map(\.description) == endpoints)
        #expect(store.prefix == prefix)
    }

    @Test("bad store addresses are refused with the reason", arguments: [
        ("http://127.0.0.1:2379", "does not start with"),
        ("etcd://", "names no host"),
        ("etcd://h:0", "port '0'"),
        ("etcd://h:99999", "port '99999'"),
        ("etcd://h:x", "port 'x'"),
        ("etcd://fd00::1:2379", "brackets"),
        ("etcd://[fd00::1:2379", "unclosed"),
        ("etcd://[nothex]:1", "not an IPv6 address"),
        ("etcd://a,,b", "not a host name"),
        ("etcd://h:1/a b", "printable ASCII"),
        ("etcd://h:1/a?b", "printable ASCII"),
    ])
    func refuses(text: String, reason: String) {
        #expect(throws: EtcdError.self) { try EtcdStore(parsing: text) }
        do {
            _ = try EtcdStore(parsing: text)
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test("a client certificate needs its key")
    func certNeedsKey() {
        #expect(throws: EtcdError.self) { try EtcdStore(parsing: "etcd://h", tls: .init(certFile: "/c.pem")) }
        #expect(throws: EtcdError.self) { try EtcdStore(parsing: "etcd://h", tls: .init(keyFile: "/k.pem")) }
        #expect((try? EtcdStore(parsing: "etcd://h", tls: .init(caFile: "/ca.pem"))) != nil)
    }

    @Test("prefix range ends", arguments: [("/a/", "/a0"), ("/x@", "/xA"), ("a", "b")])
    func rangeEnd(prefix: String, end: String) {
        #expect(EtcdKeys.rangeEnd(ofPrefix: prefix) == end)
    }
}
