// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-spiderpool",
    products: [
        .library(name: "SpiderCore", targets: ["SpiderCore"]),
        .library(name: "SpiderNetlink", targets: ["SpiderNetlink"]),
        .library(name: "SpiderEtcd", targets: ["SpiderEtcd"]),
        .library(name: "SpiderCNI", targets: ["SpiderCNI"]),
        .executable(name: "spiderctl", targets: ["spiderctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The etcd ledger's HTTP client (etcd's JSON gateway); swift-nio and swift-nio-ssl come
        // with it and are named only for their types.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Pure Swift: addresses, ranges, pools, allocation, planning. No C, no root.
        .target(
            name: "SpiderCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
            ]
        ),
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
                "SpiderCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "SpiderCNI",
            dependencies: [
                "SpiderCore", "SpiderNetlink", "SpiderEtcd",
            ]
        ),
        .executableTarget(
            name: "spiderctl",
            dependencies: [
                "SpiderCore", "SpiderNetlink", "SpiderEtcd", "SpiderCNI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            dependencies: ["SpiderCore", "SpiderNetlink", "SpiderEtcd"],
            path: "Benchmarks/spider-bench"
        ),
        // Fuzzing: the parsers that take outside input as targets (a library, so the tests replay
        // the kept regression inputs), and the libFuzzer binary (scripts/fuzz.sh).
        .target(
            name: "SpiderFuzzTargets",
            dependencies: ["SpiderCore"],
            path: "Fuzz/SpiderFuzzTargets"
        ),
        .executableTarget(
            name: "spider-fuzz",
            dependencies: ["SpiderFuzzTargets"],
            path: "Fuzz/spider-fuzz"
        ),
        .testTarget(
            name: "SpiderCoreTests",
            dependencies: ["SpiderCore", "SpiderFuzzTargets"]
        ),
        .testTarget(
            name: "SpiderNetlinkTests",
            dependencies: ["SpiderNetlink"]
        ),
        // A real etcd for tests (started on a free loopback port, stopped afterwards).
        .target(
            name: "EtcdTestSupport",
            dependencies: ["SpiderEtcd"],
            path: "Tests/EtcdTestSupport"
        ),
        .testTarget(
            name: "SpiderEtcdTests",
            dependencies: ["SpiderEtcd", "EtcdTestSupport"]
        ),
        .testTarget(
            name: "spiderctlTests",
            dependencies: ["SpiderCore", "SpiderEtcd", "EtcdTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
