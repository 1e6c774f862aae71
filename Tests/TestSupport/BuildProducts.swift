import Foundation

/// Locates the package's executables next to the running test bundle (`.build/<config>/`).
public enum BuildProducts {
    public static var directory: URL {
        if let override = ProcessInfo.processInfo.environment["GATEHOUSE_BUILD_PRODUCTS"] {
            return URL(fileURLWithPath: override)
        }
        // /proc/self/exe is the xctest binary inside .build/<triple>/<config>/.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("gatehouse").path),
            url.path != "/"
        {
            url.deleteLastPathComponent()
        }
        return url
    }

    public static func executable(_ name: String) -> URL {
        directory.appendingPathComponent(name)
    }
}
