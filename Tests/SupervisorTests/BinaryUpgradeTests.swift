import Foundation
import TestSupport
import Testing

@Suite(.serialized)
struct BinaryUpgradeTests {
    func pid(in path: String) -> Int32? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    @Test func usr2StartsANewSupervisorOnTheSameSocketsWithoutFailingARequest() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let pidfile = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID().uuidString).pid").path
        let old = try await SupervisorProcess.start(idp: idp, workers: 2, environment: ["GATEHOUSE_PIDFILE": pidfile])
        var newPID: Int32?
        defer {
            old.stop()
            if let newPID { kill(newPID, SIGKILL) }
            unlink(pidfile)
        }
        let token = try await idp.token()
        let oldWorkers = old.workerPIDs
        let load = LoadGenerator(loops: 4) { loop in try await old.whoamiPID(token: token, newConnection: loop % 2 == 0) }
        try await load.waitForProgress(20)

        old.signal(SIGUSR2)
        #expect(try await old.process.waitForExit(timeout: .seconds(60)) == 0)
        // The new supervisor took over the pidfile once the old one had gone.
        newPID = try await eventually(timeout: .seconds(20), "the new supervisor's pidfile") { () -> Int32? in
            guard let pid = pid(in: pidfile), pid != old.pid else { return nil }
            return pid
        }
        #expect(!FileManager.default.fileExists(atPath: pidfile + ".2"))
        try await load.waitForProgress(40)
        await load.stop()
        #expect(load.failureList.isEmpty, "\(load.failureList.count) failed: \(load.failureList.prefix(5))")

        // Same port, new workers under the new supervisor.
        let answering = try await old.whoamiPID(token: token)
        #expect(!oldWorkers.contains(answering))
        let newChildren = (try? String(contentsOfFile: "/proc/\(newPID!)/task/\(newPID!)/children", encoding: .utf8)) ?? ""
        #expect(newChildren.split(separator: " ").compactMap { Int32($0) }.contains(answering))
        let lines = old.process.logLines
        #expect(lines.contains { $0["event"] as? String == "upgrade.completed" })
        #expect(lines.contains { $0["event"] as? String == "upgrade.inherited" })
        #expect(lines.contains { $0["event"] as? String == "upgrade.taken_over" })
    }

    @Test func aNewSupervisorThatCannotStartLeavesTheOldOneServing() async throws {
        let installed = try InstalledCopy("upgrade")
        defer { installed.remove() }
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1, executable: installed.executable)
        defer { supervisor.stop() }
        let workers = supervisor.workerPIDs

        // A broken build on disk (a bad upgrade), then the upgrade.
        try installed.replace(withScript: "echo 'broken build' >&2\nexit 2\n")
        supervisor.signal(SIGUSR2)
        try await supervisor.waitForLog(event: "upgrade.failed")
        #expect(supervisor.process.isRunning)
        #expect(supervisor.workerPIDs == workers)
        #expect(try await supervisor.client.get(supervisor.baseURL + "/readyz").status == 200)
    }

    /// Workers are `gatehouse worker` started by path: after the file is replaced on disk (unlinked
    /// and written anew, as `install` does), a reload's new workers run the new file, while the
    /// supervisor stays the build it started as.
    @Test func aReloadStartsWorkersFromTheBinaryOnDisk() async throws {
        let installed = try InstalledCopy("reload")
        defer { installed.remove() }
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        let supervisor = try await SupervisorProcess.start(idp: idp, workers: 1, executable: installed.executable)
        defer { supervisor.stop() }
        let before = supervisor.workerPIDs

        // The new build: the same program behind a script that leaves a mark for each start.
        let marks = installed.directory.appendingPathComponent("marks")
        try installed.replace(withScript: "echo \"$@\" >> '\(marks.path)'\nexec '\(BuildProducts.executable("gatehouse").path)' \"$@\"\n")
        supervisor.signal(SIGHUP)
        try await supervisor.waitForLog(event: "reload.completed")

        #expect(try String(contentsOf: marks, encoding: .utf8) == "worker\n")
        let after = supervisor.workerPIDs
        #expect(after.count == 1 && after.isDisjoint(with: before))
        let token = try await idp.token()
        #expect(after.contains(try await supervisor.whoamiPID(token: token)))
    }
}

/// A copy of `gatehouse` in a directory of its own, replaced on disk as `install` replaces a
/// file: unlinked, then written anew.
private struct InstalledCopy {
    let directory: URL
    var executable: URL { directory.appendingPathComponent("gatehouse") }

    init(_ name: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: BuildProducts.executable("gatehouse"), to: executable)
    }

    func replace(withScript body: String) throws {
        try FileManager.default.removeItem(at: executable)
        try ("#!/bin/sh\n" + body).write(to: executable, atomically: true, encoding: .utf8)
        chmod(executable.path, 0o755)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
