import Foundation

/// Tells whoever started the IdP where it listens: one JSON line on stdout, and optionally the
/// port in a file (for harnesses that cannot read our stdout).
struct ListeningAnnouncement: Sendable {
    let port: Int
    let issuer: String

    var line: String {
        JSONValue.object(JSONObject([
            ("event", "idp.listening"), ("port", .int(Int64(port))), ("issuer", .string(issuer)),
        ])).serialized
    }

    func publish(portFile: String?) throws {
        if let portFile {
            try writePortFile(portFile)
        }
        // FileHandle writes go straight to the fd: nothing buffered, so no flush to forget.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Temp file + rename in the same directory, so a reader never sees an empty or partial file.
    private func writePortFile(_ path: String) throws {
        let destination = URL(fileURLWithPath: path)
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(String(port).utf8).write(to: temporary)
        } catch {
            throw StartupError(description: "cannot write port file \(path): \(error.localizedDescription)")
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw StartupError(description: "cannot write port file \(path): \(reason)")
        }
    }
}
