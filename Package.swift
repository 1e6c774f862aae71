// swift-tools-version:6.1
import PackageDescription

// Each function of our modules in a section of its own, so lld can place the ones a server runs
// at start and on its first requests (Sources/Gatehouse/startup.order, scripts/startup-order.sh)
// together: every process then maps a few megabytes of the program's text instead of most of it.
let functionSections: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-function-sections"])]
let startupOrder = Context.packageDirectory + "/Sources/Gatehouse/startup.order"

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v14)],
    products: [
        // One program: `gatehouse` runs the supervisor, and `gatehouse worker` the workers it
        // starts, so they share the executable's pages.
        .executable(name: "gatehouse", targets: ["Gatehouse"]),
        .executable(name: "gatehouse-dev-idp", targets: ["DevIdP"]),
        // Only for the fuzz package in Tests/Fuzzing: a package of its own (built with sanitizers,
        // apart from this one), which reaches a path dependency's code through products only.
        .library(name: "GatehouseWorkerForFuzzing", targets: ["Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-extras/swift-extras-base64.git", from: "1.2.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        .target(name: "CSystemShims"),
        .target(
            name: "Common",
            dependencies: [
                "CHiredis",
                "CSystemShims",
                "CSystemd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: functionSections
        ),
        // Outbound fetches (discovery, JWKS) through libcurl; the worker is the only caller.
        .target(name: "HTTPFetch", dependencies: ["CCurl", "Common"], swiftSettings: functionSections),
        // The worker and the supervisor are libraries, so tests and fuzz targets reach them;
        // `Gatehouse` is the executable that runs either.
        .target(
            name: "Worker",
            dependencies: [
                "Common",
                "HTTPFetch",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "ExtrasBase64", package: "swift-extras-base64"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: functionSections
        ),
        .target(
            name: "Supervisor",
            dependencies: [
                "Common",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: functionSections
        ),
        .executableTarget(
            name: "Gatehouse", dependencies: ["Supervisor", "Worker"], exclude: ["startup.order"],
            swiftSettings: functionSections,
            // Pages every process of a server maps: lld packs the program's ~120,000 relative
            // relocations (DT_RELR, glibc 2.36: 2.9 MiB of RELA that the loader reads at each
            // start become 40 KiB), and the program exports no symbols (the static stdlib links
            // with -export-dynamic: 2.4 MiB of symbol tables the loader searches). The start-up
            // functions first, together (see `functionSections`).
            linkerSettings: [
                .unsafeFlags([
                    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic",
                    "-Xlinker", "--symbol-ordering-file=\(startupOrder)", "-Xlinker", "--no-warn-symbol-ordering",
                ]),
            ]
        ),
        .executableTarget(
            name: "DevIdP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Common",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "CommonTests", dependencies: ["Common", "TestSupport"]),
        .testTarget(name: "HTTPFetchTests", dependencies: ["HTTPFetch", "Common"]),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["Supervisor", "Common", "TestSupport", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        .testTarget(
            name: "WorkerTests",
            dependencies: [
                "Worker", "Common", "TestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MCP", package: "swift-sdk"),
            ]
        ),
    ]
)
