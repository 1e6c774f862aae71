import Foundation
import Testing

@testable import Common

/// libsystemd reads `NOTIFY_SOCKET`, `WATCHDOG_*` and `LISTEN_*` from the process environment, so
/// every test that sets them lives in this one serialized suite and restores them afterwards.
@Suite(.serialized) struct SystemdNotifierTests {
    // MARK: - Helpers

    /// Sets (or, for nil, unsets) process environment variables for the duration of `body`.
    func withEnvironment<Result>(_ variables: [String: String?], _ body: () throws -> Result) rethrows -> Result {
        let saved = variables.keys.map { key in (key, getenv(key).map { String(cString: $0) }) }
        defer {
            for (key, value) in saved {
                if let value { setenv(key, value, 1) } else { unsetenv(key) }
            }
        }
        for (key, value) in variables {
            if let value { setenv(key, value, 1) } else { unsetenv(key) }
        }
        return try body()
    }

    /// A datagram socket standing in for systemd's notification socket.
    final class NotifySocketListener {
        let fd: Int32
        /// The value for `NOTIFY_SOCKET`: a path, or `@name` for the abstract namespace.
        let address: String
        private let directory: String?

        init(abstract: Bool = false) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(fd >= 0)
            var storage = sockaddr_un()
            storage.sun_family = sa_family_t(AF_UNIX)
            let pathBytes: [UInt8]
            if abstract {
                let name = "gatehouse-notify-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
                address = "@" + name
                directory = nil
                pathBytes = [0] + Array(name.utf8)  // no trailing NUL: the length says where it ends
            } else {
                let template = NSTemporaryDirectory() + "gatehouse-notify-XXXXXX"
                var buffer = Array(template.utf8CString)
                try #require(mkdtemp(&buffer) != nil)
                let made = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                directory = made
                address = made + "/notify.sock"
                pathBytes = Array(address.utf8) + [0]
            }
            try #require(pathBytes.count <= MemoryLayout.size(ofValue: storage.sun_path))
            withUnsafeMutableBytes(of: &storage.sun_path) { raw in
                raw.copyBytes(from: pathBytes)
            }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
            let bound = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            try #require(bound == 0, "bind failed: \(String(cString: strerror(errno)))")
        }

        deinit {
            close(fd)
            if let directory {
                unlink(address)
                rmdir(directory)
            }
        }

        /// The next datagram as text, or nil if none arrives before the deadline.
        func receive(within seconds: Double = 5) -> String? {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let remaining = deadline.timeIntervalSinceNow
                guard remaining > 0 else { return nil }
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptor, 1, Int32(max(1, remaining * 1000)))
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                guard count >= 0 else { return nil }
                return String(decoding: buffer[..<count], as: UTF8.self)
            }
        }
    }

    /// Sends `states` through a notifier enabled for `listener` and returns what arrived.
    func sendAndReceive(_ states: [SystemdState], listener: NotifySocketListener) -> (SystemdNotifyOutcome, String?) {
        withEnvironment(["NOTIFY_SOCKET": listener.address]) {
            let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
            let outcome = notifier.notify(states)
            return (outcome, listener.receive())
        }
    }

    // MARK: - sd_notify

    @Test func readyIsSentToAPathSocket() throws {
        let listener = try NotifySocketListener()
        let (outcome, received) = sendAndReceive([.ready], listener: listener)
        #expect(outcome == .sent)
        #expect(received == "READY=1")
    }

    @Test func abstractNamespaceSocketIsSupported() throws {
        let listener = try NotifySocketListener(abstract: true)
        #expect(listener.address.hasPrefix("@"))
        let (outcome, received) = sendAndReceive([.ready], listener: listener)
        #expect(outcome == .sent)
        #expect(received == "READY=1")
    }

    @Test func reloadingCarriesTheMonotonicTimeInTheSameMessage() throws {
        let listener = try NotifySocketListener()
        let before = SystemdNotifier.monotonicMicroseconds()
        let (outcome, received) = sendAndReceive([.reloadingNow], listener: listener)
        let after = SystemdNotifier.monotonicMicroseconds()
        #expect(outcome == .sent)
        let lines = try #require(received).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first == "RELOADING=1")
        let stamp = try #require(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
        #expect(stamp >= before && stamp <= after)
    }

    @Test func monotonicMicrosecondsMatchesClockMonotonic() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let reference = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
        let ours = SystemdNotifier.monotonicMicroseconds()
        #expect(ours >= reference && ours - reference < 5_000_000)
    }

    @Test func stoppingIsSent() throws {
        let listener = try NotifySocketListener()
        #expect(sendAndReceive([.stopping], listener: listener).1 == "STOPPING=1")
    }

    @Test func statusLineBreaksAndNulsAreSanitised() throws {
        let listener = try NotifySocketListener()
        let (outcome, received) = sendAndReceive([.status("4 workers\nREADY=1\r\nx\0y")], listener: listener)
        #expect(outcome == .sent)
        // A line break must not smuggle in a second assignment, and a NUL must not cut the rest.
        #expect(received == "STATUS=4 workers READY=1  xy")
    }

    @Test func watchdogIsSent() throws {
        let listener = try NotifySocketListener()
        #expect(sendAndReceive([.watchdog], listener: listener).1 == "WATCHDOG=1")
    }

    @Test func severalStatesGoOutAsOneDatagram() throws {
        let listener = try NotifySocketListener()
        let states: [SystemdState] = [
            .status("2 of 2 workers ready"), .ready, .mainPID(4242), .extendTimeout(microseconds: 30_000_000),
        ]
        let (outcome, received) = sendAndReceive(states, listener: listener)
        #expect(outcome == .sent)
        #expect(received == "STATUS=2 of 2 workers ready\nREADY=1\nMAINPID=4242\nEXTEND_TIMEOUT_USEC=30000000")
        // The next datagram is the next call's, so nothing was split off into a second one.
        #expect(sendAndReceive([.watchdog], listener: listener).1 == "WATCHDOG=1")
    }

    @Test func variadicFormSendsTheSameMessage() throws {
        let listener = try NotifySocketListener()
        let received = withEnvironment(["NOTIFY_SOCKET": listener.address]) {
            let outcome = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address]).notify(.stopping, .status("bye"))
            #expect(outcome == .sent)
            return listener.receive()
        }
        #expect(received == "STOPPING=1\nSTATUS=bye")
    }

    @Test func messageRendering() {
        #expect(SystemdNotifier.message(for: []) == "")
        #expect(SystemdNotifier.message(for: [.reloading(monotonicMicroseconds: 123)]) == "RELOADING=1\nMONOTONIC_USEC=123")
        #expect(SystemdNotifier.message(for: [.mainPID(7), .extendTimeout(microseconds: 1)]) == "MAINPID=7\nEXTEND_TIMEOUT_USEC=1")
    }

    @Test func withoutNotifySocketNothingIsSent() throws {
        let listener = try NotifySocketListener()
        // The process environment points at a live socket, but the notifier was built from an
        // environment without NOTIFY_SOCKET: it must stay silent.
        let silent = SystemdNotifier(environment: ["PATH": "/usr/bin"])
        #expect(!silent.isEnabled)
        #expect(!SystemdNotifier(environment: ["NOTIFY_SOCKET": ""]).isEnabled)
        withEnvironment(["NOTIFY_SOCKET": listener.address]) {
            #expect(silent.notify([.ready, .status("should not arrive")]) == .disabled)
        }
        // The first datagram to arrive is this marker, so the call above sent nothing.
        #expect(sendAndReceive([.watchdog], listener: listener).1 == "WATCHDOG=1")
    }

    @Test func noStatesSendsNothing() throws {
        let listener = try NotifySocketListener()
        let outcome = withEnvironment(["NOTIFY_SOCKET": listener.address]) {
            SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address]).notify([])
        }
        #expect(outcome == .disabled)
        #expect(sendAndReceive([.watchdog], listener: listener).1 == "WATCHDOG=1")
    }

    @Test func processEnvironmentWithoutNotifySocketIsANoOp() {
        // libsystemd returns 0 when NOTIFY_SOCKET is missing from the process environment.
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/nonexistent/notify"])
        #expect(notifier.isEnabled)
        withEnvironment(["NOTIFY_SOCKET": nil]) {
            #expect(notifier.notify([.ready]) == .disabled)
        }
    }

    @Test func missingSocketReportsTheError() {
        let path = NSTemporaryDirectory() + "gatehouse-no-such-dir-\(getpid())/notify.sock"
        let outcome = withEnvironment(["NOTIFY_SOCKET": path]) {
            SystemdNotifier(environment: ["NOTIFY_SOCKET": path]).notify([.ready])
        }
        #expect(outcome == .failed(errno: ENOENT))
        #expect(outcome.description.hasPrefix("failed: "))
    }

    // MARK: - Watchdog

    @Test func watchdogSettingsForThisProcess() throws {
        let settings = try withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid())"]) {
            try #require(WatchdogSettings.current())
        }
        #expect(settings.intervalMicroseconds == 2_000_000)
        #expect(settings.interval == .seconds(2))
        #expect(settings.pingInterval == .seconds(1))
    }

    @Test func watchdogForAnotherProcessIsIgnored() {
        withEnvironment(["WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "\(getpid() + 1)"]) {
            #expect(WatchdogSettings.current() == nil)
        }
    }

    @Test func watchdogWithoutPIDAppliesToThisProcess() {
        // libsystemd only checks WATCHDOG_PID when it is set.
        withEnvironment(["WATCHDOG_USEC": "500000", "WATCHDOG_PID": nil]) {
            #expect(WatchdogSettings.current() == WatchdogSettings(intervalMicroseconds: 500_000))
        }
    }

    @Test func watchdogOffOrInvalid() {
        withEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
            #expect(WatchdogSettings.current() == nil)
        }
        for invalid in ["0", "soon", "-5"] {
            withEnvironment(["WATCHDOG_USEC": invalid, "WATCHDOG_PID": "\(getpid())"]) {
                #expect(WatchdogSettings.current() == nil, "WATCHDOG_USEC=\(invalid)")
            }
        }
    }

    // MARK: - Socket activation

    // In this process fd 3 belongs to someone else (libdispatch's epoll), so positive cases run in
    // a child; here only cases where libsystemd returns before touching any fd.
    @Test func socketsForAnotherProcessAreIgnored() {
        withEnvironment(["LISTEN_PID": "\(getpid() + 1)", "LISTEN_FDS": "1", "LISTEN_FDNAMES": "web"]) {
            #expect(SystemdNotifier.listenFileDescriptors(unsetEnvironment: false) == [])
            #expect(SystemdNotifier.activatedSockets(unsetEnvironment: false) == [])
        }
    }

    @Test func noOrInvalidListenVariables() {
        withEnvironment(["LISTEN_PID": nil, "LISTEN_FDS": nil, "LISTEN_FDNAMES": nil]) {
            #expect(SystemdNotifier.listenFileDescriptors(unsetEnvironment: false) == [])
            #expect(SystemdNotifier.activatedSockets(unsetEnvironment: false) == [])
        }
        for count in ["0", "many", "-1"] {
            withEnvironment(["LISTEN_PID": "\(getpid())", "LISTEN_FDS": count, "LISTEN_FDNAMES": nil]) {
                #expect(SystemdNotifier.listenFileDescriptors(unsetEnvironment: false) == [], "LISTEN_FDS=\(count)")
            }
        }
    }

    static let childMarker = "GATEHOUSE_SYSTEMD_ACTIVATION_CHILD"

    /// Starts this test binary again, running only `socketActivationChild`, with a listening
    /// socket at fd 3 and a pipe (not a socket) at fd 4, the way systemd would pass them.
    @Test func socketActivationPassesSocketsFromFd3() throws {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(listening >= 0)
        defer { close(listening) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(listening, 16) == 0)

        // (Glibc does not import pipe2; the spawner closes every fd it is not told to pass.)
        var notSocket: [Int32] = [0, 0]
        try #require(pipe(&notSocket) == 0)
        defer { notSocket.forEach { close($0) } }
        var output: [Int32] = [0, 0]
        try #require(pipe(&output) == 0)
        for fd in notSocket + output { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var environment = ProcessInfo.processInfo.environment
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { environment[key] = nil }
        environment["LISTEN_FDS"] = "2"
        environment["LISTEN_FDNAMES"] = "web:pipe"
        environment[Self.childMarker] = "1"
        // LISTEN_PID must be the child's pid, known only once it runs: the shell sets it and execs.
        let pid = try ProcessSpawner().spawn(
            executable: "/bin/sh",
            arguments: [
                "-c", "LISTEN_PID=$$; export LISTEN_PID; exec \"$@\"", "sh",
                CommandLine.arguments[0], "--testing-library", "swift-testing", "--filter", "socketActivationChild",
            ],
            environment: environment,
            descriptors: [1: output[1], 2: output[1], 3: listening, 4: notSocket[0]]
        )
        close(output[1])
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(output[0], &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            collected.append(contentsOf: buffer[..<count])
        }
        close(output[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = String(decoding: collected, as: UTF8.self)
        #expect(WaitStatus(rawValue: status) == .exited(0), "child output:\n\(text)")
        // Proves the child test ran rather than being filtered away.
        #expect(text.contains("SOCKET-ACTIVATION-CHILD-RAN"), "child output:\n\(text)")
    }

    /// Runs only inside the child started above.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childMarker] != nil))
    func socketActivationChild() {
        #expect(SystemdNotifier.listenFileDescriptors(unsetEnvironment: false) == [3])
        #expect(
            SystemdNotifier.activatedSockets(unsetEnvironment: true)
                == [SystemdNotifier.ActivatedSocket(fileDescriptor: 3, name: "web")]
        )
        // libsystemd marks passed fds close-on-exec.
        #expect(fcntl(3, F_GETFD) & FD_CLOEXEC != 0)
        // unsetEnvironment removed the variables, so a second look finds nothing.
        #expect(getenv("LISTEN_FDS") == nil && getenv("LISTEN_PID") == nil && getenv("LISTEN_FDNAMES") == nil)
        #expect(SystemdNotifier.listenFileDescriptors(unsetEnvironment: false) == [])
        print("SOCKET-ACTIVATION-CHILD-RAN")
    }
}
