// swift-tools-version:6.1
// The baseline for worker measurements: plain SwiftNIO answering a fixed body, one event loop
// per process (run as many processes as Gatehouse has workers, on one SO_REUSEPORT port), the
// same pipeline helpers the worker uses and nothing else.
import PackageDescription

let package = Package(
    name: "nio-baseline",
    dependencies: [.package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0")],
    targets: [
        .executableTarget(
            name: "NIOBaseline",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        )
    ]
)
