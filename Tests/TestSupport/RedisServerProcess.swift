import Common
import Foundation

/// A private `redis-server` for one test: loopback only, a free port, no persistence, its own
/// working directory. Never the distribution's Redis service. Killed when released.
public final class RedisServerProcess: @unchecked Sendable {
    public let port: Int
    public let password: String?
    private let arguments: [String]
    private let directory: URL
    private let lock = NSLock()
    private var current: ManagedProcess

    /// The running process (replaced by `restart()`).
    public var process: ManagedProcess {
        lock.withLock { current }
    }

    /// Starts a server with `requirepass` when `password` is given, plus `extraArguments`
    /// (`--name value ...`, as redis-server takes configuration directives on its command line),
    /// and waits until it answers.
    public static func start(password: String? = nil, extraArguments: [String] = []) async throws -> RedisServerProcess {
        let executable = try locateServer()
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gatehouse-tests/redis-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var lastFailure: Error?
        // The port is free when picked but another process may take it before redis-server binds it.
        for _ in 0..<5 {
            let port = try freePort()
            let arguments = serverArguments(port: port, directory: directory, password: password) + extraArguments
            let process = try ManagedProcess(executable: executable, arguments: arguments)
            do {
                try await waitUntilAnswering(process: process, port: port)
                return RedisServerProcess(
                    port: port, password: password, arguments: arguments, directory: directory, process: process)
            } catch {
                process.stop(timeout: 2)
                lastFailure = error
                guard process.output.contains("Address already in use") else { break }
            }
        }
        throw lastFailure ?? HarnessError("redis-server did not start")
    }

    private init(port: Int, password: String?, arguments: [String], directory: URL, process: ManagedProcess) {
        self.port = port
        self.password = password
        self.arguments = arguments
        self.directory = directory
        self.current = process
    }

    deinit {
        current.stop(timeout: 2)
        try? FileManager.default.removeItem(at: directory)
    }

    /// `redis://[:password@]127.0.0.1:port/db` with this server's password.
    public func url(db: Int = 0) -> String {
        url(db: db, password: password)
    }

    /// The same with another password (or none), for tests of refused credentials.
    public func url(db: Int = 0, password: String?, username: String? = nil) -> String {
        let encode = { (text: String) in
            text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        }
        let credentials = password.map { "\(username.map(encode) ?? ""):\(encode($0))@" } ?? ""
        return "redis://\(credentials)127.0.0.1:\(port)/\(db)"
    }

    /// Client options for this server, parsed from `url(db:)`.
    public func options(
        db: Int = 0, connectTimeout: Duration = .seconds(1), commandTimeout: Duration = .seconds(1)
    ) throws -> RedisOptions {
        RedisOptions(url: try RedisURL(parsing: url(db: db)), connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }

    /// Runs the distribution's `redis-cli` against this server (as an operator, or an attacker
    /// who can reach Redis, would) and returns what it printed, raw.
    public func cli(_ arguments: [String]) async throws -> String {
        let executable = URL(fileURLWithPath: "/usr/bin/redis-cli")
        var environment: [String: String] = [:]
        if let password { environment["REDISCLI_AUTH"] = password }
        let process = try ManagedProcess(
            executable: executable, arguments: ["-h", "127.0.0.1", "-p", String(port), "--raw"] + arguments, environment: environment)
        guard try await process.waitForExit(timeout: .seconds(10)) == 0 else { throw HarnessError("redis-cli \(arguments.first ?? ""): \(process.output)") }
        return process.output
    }

    /// Stops the server (SIGTERM; it shuts down cleanly, closing every connection).
    public func stop() {
        process.stop(timeout: 5)
    }

    /// Kills the server (SIGKILL), as in a crash, and waits until it is gone.
    public func kill() async throws {
        let process = process
        process.signal(SIGKILL)
        _ = try await process.waitForExit(timeout: .seconds(10))
    }

    /// Starts the server again on the same port (stopping it first if it still runs), empty, and
    /// waits until it answers.
    public func restart() async throws {
        stop()
        let executable = try Self.locateServer()
        // The old listening socket is gone once the process is reaped; retry briefly in case the
        // kernel still holds the port.
        try await waitUntil(timeout: .seconds(10), "redis-server to restart on port \(port)") {
            let process = try ManagedProcess(executable: executable, arguments: self.arguments)
            do {
                try await Self.waitUntilAnswering(process: process, port: self.port)
            } catch {
                process.stop(timeout: 2)
                return false
            }
            self.replace(with: process)
            return true
        }
    }

    // MARK: - Internals

    private func replace(with process: ManagedProcess) {
        lock.withLock { current = process }
    }

    private static func serverArguments(port: Int, directory: URL, password: String?) -> [String] {
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", directory.path, "--daemonize", "no", "--logfile", "", "--databases", "16",
        ]
        if let password { arguments += ["--requirepass", password] }
        return arguments
    }

    private static func locateServer() throws -> URL {
        for directory in ["/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin"] {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw HarnessError("redis-server not found; run scripts/install-deps.sh")
    }

    /// A port nothing listens on right now: bind port 0, read the port back, close.
    private static func freePort() throws -> Int {
        let socket = try ListeningSocket()
        return socket.port  // closed when `socket` is released
    }

    /// Waits until the server answers a `PING` (with `+PONG`, or `-NOAUTH` when it wants a password).
    private static func waitUntilAnswering(process: ManagedProcess, port: Int) async throws {
        try await waitUntil(timeout: .seconds(10), "redis-server on port \(port) to answer PING") {
            guard process.isRunning else { throw HarnessError("redis-server exited: \(process.output)") }
            return ping(port: port)
        }
    }

    /// One raw-socket `PING`; true when a Redis reply came back.
    private static func ping(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return false }
        let request = Array("PING\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let received = recv(fd, &buffer, buffer.count, 0)
        guard received > 0 else { return false }
        let reply = String(decoding: buffer[..<received], as: UTF8.self)
        return reply.hasPrefix("+PONG") || reply.hasPrefix("-NOAUTH")
    }
}
