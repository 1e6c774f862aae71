import Common
import Foundation
import Glibc

/// The supervisor's pidfile, written atomically (temporary file, then rename) so a reader
/// never sees a partial pid, and removed on exit.
struct Pidfile {
    var path: String

    func write() throws {
        let temporary = path + ".tmp.\(getpid())"
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SystemCallError("rename \(path)")
        }
    }

    func remove() {
        // Only our own: after an upgrade the file may name the new supervisor.
        if let content = try? String(contentsOfFile: path, encoding: .utf8),
            content.trimmingCharacters(in: .whitespacesAndNewlines) == String(getpid())
        {
            unlink(path)
        }
    }
}
