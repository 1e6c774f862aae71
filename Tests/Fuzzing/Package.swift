// swift-tools-version:6.1
// libFuzzer targets for the worker, one executable each, built apart from the main package in
// release with libFuzzer and AddressSanitizer: scripts/fuzz.sh has the flags and says why.
import Foundation
import PackageDescription

/// A path dependency is known by its folder's name (lowercased), which is the clone's and varies.
let gatehouse = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "gatehouse-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "GatehouseWorkerForFuzzing", package: gatehouse),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "FuzzBearerToken", dependencies: fuzzTargetDependencies),
        .executableTarget(name: "FuzzJWKS", dependencies: fuzzTargetDependencies),
        .executableTarget(
            name: "FuzzJSONRPC",
            dependencies: fuzzTargetDependencies + [.product(name: "MCP", package: "swift-sdk")]
        ),
        .executableTarget(
            name: "FuzzHTTPHandler",
            dependencies: fuzzTargetDependencies + [
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)

var fuzzTargetDependencies: [Target.Dependency] {
    [
        "FuzzSupport",
        .product(name: "GatehouseWorkerForFuzzing", package: gatehouse),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
    ]
}
