// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-spiderpool",
    products: [
        .library(name: "SpiderCore", targets: ["SpiderCore"]),
        .library(name: "SpiderYAML", targets: ["SpiderYAML"]),
        .library(name: "SpiderEmbeddedLedger", targets: ["SpiderEmbeddedLedger"]),
        .library(name: "SpiderNetlink", targets: ["SpiderNetlink"]),
        .library(name: "SpiderEtcd", targets: ["SpiderEtcd"]),
        .library(name: "SpiderCNI", targets: ["SpiderCNI"]),
        .library(name: "SpiderAgent", targets: ["SpiderAgent"]),
        .library(name: "SpiderScenario", targets: ["SpiderScenario"]),
        .executable(name: "spiderctl", targets: ["spiderctl"]),
        .executable(name: "spider-cni", targets: ["spider-cni"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The etcd ledger's HTTP client (etcd's JSON gateway); swift-nio and swift-nio-ssl come
        // with it and are named only for their types.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The node agent (spiderctl agent): start-up and graceful SIGTERM, logs, /metrics.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure Swift: addresses, ranges, pools, allocation, planning. No dependency, no
        // Foundation, no C, no I/O (Docs/ARCHITECTURE.md).
        .target(name: "SpiderCore"),
        // YAML text to and from SpiderCore's value tree, and the detector's file readers.
        .target(
            name: "SpiderYAML",
            dependencies: [
                "SpiderCore",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // SQLite from Debian's libsqlite3-dev (libsqlite3.a links into the static CNI binary).
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // The ledger in a local directory: one SQLite database (Glibc and SQLite, no Foundation).
        .target(name: "SpiderEmbeddedLedger", dependencies: ["SpiderCore", "CSQLite"]),
        // The golden/scenario harness: tests, `spiderctl plan`, the fuzzer, the benchmarks.
        .target(name: "SpiderScenario", dependencies: ["SpiderCore", "SpiderCNI"]),
        // The kernel's netlink headers and prefixed C functions for the macros Swift cannot
        // import; nothing else.
        .target(name: "CNetlinkShim"),
        // Route plans executed and namespaces read back over NETLINK_ROUTE (no C library
        // beyond the C runtime: the CNI binary links it fully static).
        .target(
            name: "SpiderNetlink",
            dependencies: [
                "SpiderCore", "CNetlinkShim",
            ]
        ),
        // The etcd v3 ledger: networking stays out of SpiderCore.
        .target(
            name: "SpiderEtcd",
            dependencies: [
                "SpiderCore", "SpiderEmbeddedLedger",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The node agent: serves the CNI plugin over a unix socket with warm state (an etcd
        // watch, an open store) and exposes /metrics; the plugin never depends on it.
        .target(
            name: "SpiderAgent",
            dependencies: [
                "SpiderCore", "SpiderCNI", "SpiderEmbeddedLedger", "SpiderEtcd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The CNI protocol and the two plugins: no Foundation, no YAML, no etcd (the caller
        // passes what it has; the lean binary hands the rest to spiderctl).
        .target(
            name: "SpiderCNI",
            dependencies: [
                "SpiderCore", "SpiderNetlink", "SpiderEmbeddedLedger",
            ]
        ),
        // The lean, fully static CNI binary (scripts/build-cni.sh): `spiderpool` and `coordinator`.
        .executableTarget(name: "spider-cni", dependencies: ["SpiderCNI"]),
        .executableTarget(
            name: "spiderctl",
            dependencies: [
                "SpiderCore", "SpiderYAML", "SpiderEmbeddedLedger", "SpiderNetlink", "SpiderEtcd", "SpiderCNI", "SpiderScenario",
                "SpiderAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Docs/EMBEDDING.md's example: SpiderCore's planner from another tool.
        .executableTarget(
            name: "embed-planner",
            dependencies: ["SpiderCore"],
            path: "Examples/embedding"
        ),
        .executableTarget(
            name: "spider-bench",
            dependencies: ["SpiderCore", "SpiderYAML", "SpiderEmbeddedLedger", "SpiderScenario", "SpiderNetlink", "SpiderEtcd"],
            path: "Benchmarks/spider-bench"
        ),
        // Fuzzing: the parsers that take outside input as targets (a library, so the tests replay
        // the kept regression inputs), and the libFuzzer binary (scripts/fuzz.sh).
        .target(
            name: "SpiderFuzzTargets",
            dependencies: ["SpiderCore", "SpiderYAML", "SpiderScenario", "SpiderCNI"],
            path: "Fuzz/SpiderFuzzTargets"
        ),
        .executableTarget(
            name: "spider-fuzz",
            dependencies: ["SpiderFuzzTargets"],
            path: "Fuzz/spider-fuzz"
        ),
        // Test ledgers over the embedded ledger, and the first-layout store fixture.
        .target(
            name: "LedgerTestSupport",
            dependencies: ["SpiderCore", "SpiderEmbeddedLedger"],
            path: "Tests/LedgerTestSupport"
        ),
        .testTarget(
            name: "SpiderCoreTests",
            dependencies: ["SpiderCore", "SpiderYAML", "SpiderEmbeddedLedger", "SpiderScenario", "SpiderCNI", "SpiderFuzzTargets", "LedgerTestSupport"]
        ),
        .testTarget(
            name: "SpiderNetlinkTests",
            dependencies: ["SpiderNetlink", "SpiderScenario", "SpiderYAML", "SpiderCNI"]
        ),
        .testTarget(
            name: "SpiderCNITests",
            dependencies: ["SpiderCNI"]
        ),
        // A real etcd for tests (started on a free loopback port, stopped afterwards).
        .target(
            name: "EtcdTestSupport",
            dependencies: ["SpiderEtcd"],
            path: "Tests/EtcdTestSupport"
        ),
        .testTarget(
            name: "SpiderEtcdTests",
            dependencies: ["SpiderEtcd", "SpiderYAML", "SpiderCNI", "EtcdTestSupport"]
        ),
        .testTarget(
            name: "spiderctlTests",
            dependencies: ["SpiderCore", "SpiderYAML", "SpiderEmbeddedLedger", "SpiderEtcd", "EtcdTestSupport", "LedgerTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
