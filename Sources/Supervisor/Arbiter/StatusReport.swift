import Common
import Foundation

/// What `gatehouse status` shows, written by the running supervisor next to its pidfile
/// (`<pidfile>.status`, atomically) whenever it changes and at most once a second otherwise.
struct StatusReport: Codable, Equatable {
    struct Worker: Codable, Equatable {
        var pid: Int32
        var slot: Int
        var generation: Int
        var state: String
        var ageSeconds: Int
        var requests: UInt64
        var connections: Int
        /// Resident memory, read from /proc when the report is made.
        var residentBytes: Int?

        enum CodingKeys: String, CodingKey {
            case pid, slot, generation, state, requests, connections
            case ageSeconds = "age_seconds"
            case residentBytes = "rss_bytes"
        }
    }

    var supervisorPID: Int32
    var phase: String
    var generation: Int
    var targetWorkers: Int
    var workers: [Worker]

    enum CodingKeys: String, CodingKey {
        case phase, generation, workers
        case supervisorPID = "supervisor_pid"
        case targetWorkers = "target_workers"
    }

    static func path(forPidfile pidfile: String) -> String { pidfile + ".status" }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let temporary = path + ".tmp.\(getpid())"
        try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SystemCallError("rename \(path)")
        }
    }

    static func read(from path: String) throws -> StatusReport {
        let decoder = JSONDecoder()
        return try decoder.decode(StatusReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A fixed-width table for people.
    var table: String {
        var lines = ["supervisor \(supervisorPID): \(phase), generation \(generation), \(workers.filter { $0.state == "ready" }.count) of \(targetWorkers) workers ready"]
        lines.append(Self.row(["PID", "SLOT", "GEN", "STATE", "AGE", "REQUESTS", "CONNS", "RSS"]))
        for worker in workers.sorted(by: { ($0.slot, $0.generation) < ($1.slot, $1.generation) }) {
            lines.append(Self.row([
                String(worker.pid), String(worker.slot), String(worker.generation), worker.state,
                Self.age(worker.ageSeconds), String(worker.requests), String(worker.connections),
                worker.residentBytes.map(Self.memory) ?? "-",
            ]))
        }
        return lines.joined(separator: "\n")
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [8, 5, 4, 10, 9, 10, 6, 8]
        return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
    }

    /// Mebibytes, as `ps` and `top` show memory.
    private static func memory(_ bytes: Int) -> String {
        bytes < 10 << 20 ? String(format: "%.1fM", Double(bytes) / 1_048_576) : "\(bytes >> 20)M"
    }

    private static func age(_ seconds: Int) -> String {
        seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : "\(seconds / 3600)h"
    }
}
