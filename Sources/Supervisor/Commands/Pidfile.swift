import Common
import Foundation
import Glibc

/// The supervisor's pidfile, written atomically (temporary file, then rename) so a reader
/// never sees a partial pid, and removed on exit. During a binary upgrade the new supervisor
/// writes `<path>.2` and takes over `<path>` once the old one has gone.
struct Pidfile {
    var path: String
    var upgrading = false

    private var ownPath: String { upgrading ? path + ".2" : path }

    func write() throws {
        try write(to: ownPath)
    }

    func promoteFromUpgrade() throws {
        guard upgrading else { return }
        try write(to: path)
        unlink(path + ".2")
    }

    private func write(to target: String) throws {
        let temporary = target + ".tmp.\(getpid())"
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw SystemCallError("rename \(target)")
        }
    }

    func remove() {
        if let status = try? StatusReport.read(from: StatusReport.path(forPidfile: path)), status.supervisorPID == getpid() {
            unlink(StatusReport.path(forPidfile: path))
        }
        // Only our own: after an upgrade the file names the new supervisor.
        for candidate in [path, path + ".2"] {
            if let content = try? String(contentsOfFile: candidate, encoding: .utf8),
                content.trimmingCharacters(in: .whitespacesAndNewlines) == String(getpid())
            {
                unlink(candidate)
            }
        }
    }
}
