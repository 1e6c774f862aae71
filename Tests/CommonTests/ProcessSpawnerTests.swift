import Foundation
import Testing

@testable import Common

@Suite struct ProcessSpawnerTests {
    func run(_ script: String, descriptors: [Int32: Int32] = [:], environment: [String: String] = [:]) throws -> (status: WaitStatus, output: String) {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        var mapping = descriptors
        mapping[1] = fds[1]
        let pid = try ProcessSpawner().spawn(executable: "/bin/sh", arguments: ["-c", script], environment: environment, descriptors: mapping)
        close(fds[1])
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count <= 0 { break }
            collected.append(contentsOf: buffer[..<count])
        }
        close(fds[0])
        var raw: Int32 = 0
        waitpid(pid, &raw, 0)
        return (WaitStatus(rawValue: raw), String(decoding: collected, as: UTF8.self))
    }

    @Test func childGetsAnEmptySignalMaskAndDefaultDispositions() throws {
        // Block and ignore signals in this process; the child must see neither.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        let oldHandler = signal(SIGUSR2, SIG_IGN)
        defer {
            pthread_sigmask(SIG_SETMASK, &previous, nil)
            signal(SIGUSR2, oldHandler)
        }
        let result = try run("grep -E '^(SigBlk|SigIgn)' /proc/self/status")
        #expect(result.status == .exited(0))
        func mask(_ name: String) -> UInt64? {
            let line = result.output.split(separator: "\n").first { $0.hasPrefix(name + ":") }
            return line.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
        }
        // Signals 1-31; 32 and up include glibc's internal real-time signals, which it manages.
        let standard: UInt64 = 0x7FFF_FFFF
        #expect(mask("SigBlk").map { $0 & standard } == 0)
        #expect(mask("SigIgn").map { $0 & standard } == 0)
    }

    @Test func onlyTheNamedDescriptorsReachTheChild() throws {
        let leaked = open("/dev/null", O_RDONLY)  // Not close-on-exec: must still not leak.
        defer { close(leaked) }
        let passed = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(passed) }
        // The shell's own descriptors, listed by a child of it.
        let result = try run("ls /proc/$$/fd", descriptors: [5: passed])
        let fds = result.output.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }.sorted()
        #expect(fds == [0, 1, 2, 5])
    }

    @Test func environmentIsExactlyWhatWasGiven() throws {
        let result = try run("env | sort", environment: ["ONLY": "this"])
        #expect(result.output.contains("ONLY=this"))
        #expect(!result.output.contains("HOME="))
    }

    @Test func waitStatusDecoding() {
        #expect(WaitStatus(rawValue: 0) == .exited(0))
        #expect(WaitStatus(rawValue: 78 << 8) == .exited(78))
        #expect(WaitStatus(rawValue: 9) == .signaled(9, coreDumped: false))
        #expect(WaitStatus(rawValue: 6 | 0x80) == .signaled(6, coreDumped: true))
        #expect(WaitStatus(rawValue: 9).description == "signal SIGKILL")
    }

    @Test func missingExecutableIsAnError() {
        #expect(throws: SystemCallError.self) {
            _ = try ProcessSpawner().spawn(executable: "/nonexistent/program", arguments: [], environment: [:])
        }
    }
}
