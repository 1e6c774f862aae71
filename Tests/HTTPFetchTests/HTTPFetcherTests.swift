import Foundation
import Testing

import Common
@testable import HTTPFetch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Tests for CurlHTTPFetcher against real local servers (a throwaway Python process per test); no mocks.

@Suite("CurlHTTPFetcher")
struct HTTPFetcherTests {
    private let insecure = CurlHTTPFetcher(policy: HTTPFetchPolicy(allowInsecureHTTP: true))

    // MARK: Responses

    @Test func getReturnsStatusBodyAndContentType() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let response = try insecure.get(url: server.url("/ok"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"hello":"gatehouse"}"#)
        #expect(response.contentType == "application/json; charset=utf-8")
    }

    @Test func sendsUserAgentAndAcceptHeaders() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let response = try insecure.get(url: server.url("/headers"), accept: "application/jwk-set+json")
        let echoed = try JSONDecoder().decode([String: String?].self, from: Data(response.body))
        #expect(echoed["user-agent"] == "gatehouse/\(GatehouseVersion.current)")
        #expect(echoed["accept"] == "application/jwk-set+json")
        // Compression stays off so that maxBodyBytes bounds the bytes on the wire.
        #expect(echoed["accept-encoding"] == .some(nil))
    }

    @Test func notFoundIsAResponseNotAnError() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let response = try insecure.get(url: server.url("/missing"))
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self) == "not found")
    }

    @Test func redirectIsNotFollowed() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let response = try insecure.get(url: server.url("/redirect"))
        #expect(response.status == 302)
        #expect(server.requestLog() == ["GET /redirect"])
    }

    // MARK: Body size cap

    @Test func bodyOverCapWithContentLengthIsRejected() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let fetcher = CurlHTTPFetcher(policy: HTTPFetchPolicy(maxBodyBytes: 1024, allowInsecureHTTP: true))
        #expect(throws: HTTPFetchError.bodyTooLarge(limit: 1024)) {
            try fetcher.get(url: server.url("/fixed?1025"))
        }
    }

    @Test func streamedBodyOverCapIsRejected() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        // No Content-Length: only the write callback can notice.
        let fetcher = CurlHTTPFetcher(policy: HTTPFetchPolicy(maxBodyBytes: 1024, allowInsecureHTTP: true))
        #expect(throws: HTTPFetchError.bodyTooLarge(limit: 1024)) {
            try fetcher.get(url: server.url("/stream?200000"))
        }
    }

    @Test func bodyExactlyAtCapIsAccepted() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let fetcher = CurlHTTPFetcher(policy: HTTPFetchPolicy(maxBodyBytes: 1024, allowInsecureHTTP: true))
        #expect(try fetcher.get(url: server.url("/fixed?1024")).body.count == 1024)
        #expect(try fetcher.get(url: server.url("/stream?1024")).body.count == 1024)
    }

    @Test func zeroCapRejectsAnyBody() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let fetcher = CurlHTTPFetcher(policy: HTTPFetchPolicy(maxBodyBytes: 0, allowInsecureHTTP: true))
        #expect(throws: HTTPFetchError.bodyTooLarge(limit: 0)) {
            try fetcher.get(url: server.url("/stream?1"))
        }
        #expect(try fetcher.get(url: server.url("/fixed?0")).status == 200)
    }

    // MARK: Network failures

    @Test func silentServerTimesOut() throws {
        let server = try ThrowawayServer(mode: .silent)
        defer { server.stop() }
        let fetcher = CurlHTTPFetcher(
            policy: HTTPFetchPolicy(timeout: .milliseconds(500), allowInsecureHTTP: true))
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: HTTPFetchError.timedOut) {
            try fetcher.get(url: server.url("/ok"))
        }
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(450))
        #expect(elapsed < .seconds(3))
    }

    @Test func closedPortIsConnectionFailed() throws {
        let port = try closedLocalPort()
        let error = #expect(throws: HTTPFetchError.self) {
            try insecure.get(url: "http://127.0.0.1:\(port)/ok")
        }
        guard case .connectionFailed = error else {
            Issue.record("expected .connectionFailed, got \(String(describing: error))")
            return
        }
    }

    @Test func errorDescriptionsDoNotLeakURLCredentials() throws {
        let port = try closedLocalPort()
        let error = #expect(throws: HTTPFetchError.self) {
            try insecure.get(url: "http://gatehouse-client:s3cr3t-Passw0rd@127.0.0.1:\(port)/jwks?token=t0ken")
        }
        let description = error.map(String.init(describing:)) ?? ""
        #expect(description.contains("connection failed"))
        #expect(!description.contains("s3cr3t"))
        #expect(!description.contains("gatehouse-client"))
        #expect(!description.contains("t0ken"))
    }

    @Test func untrustedSelfSignedCertificateIsTLSFailure() throws {
        let server = try ThrowawayServer(mode: .tls)
        defer { server.stop() }
        let error = #expect(throws: HTTPFetchError.self) {
            try CurlHTTPFetcher().get(url: server.url("/ok"))
        }
        guard case .tlsFailure(let message) = error else {
            Issue.record("expected .tlsFailure, got \(String(describing: error))")
            return
        }
        #expect(!message.isEmpty)
    }

    // MARK: Scheme and input checks

    @Test func plainHTTPIsRefusedWithoutConnecting() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        #expect(throws: HTTPFetchError.insecureScheme("http")) {
            try CurlHTTPFetcher().get(url: server.url("/ok"))
        }
        #expect(throws: HTTPFetchError.insecureScheme("http")) {
            try CurlHTTPFetcher().post(
                url: server.url("/echo"), contentType: "text/plain", body: Array("x".utf8))
        }
        #expect(server.connectionCount() == 0)
        // Control: the same server is reachable and its log works when plain HTTP is allowed.
        #expect(try insecure.get(url: server.url("/ok")).status == 200)
        #expect(server.connectionCount() == 1)
    }

    @Test(arguments: [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://127.0.0.1/pub/file",
        "gopher://127.0.0.1:70/1",
        "dict://127.0.0.1:2628/d:x",
        "ldap://127.0.0.1/o=x",
        "javascript:alert(1)",
    ])
    func nonHTTPSchemesAreUnsupported(url: String) throws {
        let scheme = String(url.prefix { $0 != ":" }).lowercased()
        for fetcher in [CurlHTTPFetcher(), insecure] {
            #expect(throws: HTTPFetchError.unsupportedScheme(scheme)) {
                try fetcher.get(url: url)
            }
        }
    }

    @Test(arguments: [
        "",
        "not a url",
        "127.0.0.1/ok",
        "//127.0.0.1/ok",
        "https://",
        "https:/127.0.0.1/ok",
        "https:127.0.0.1",
        "https://exa mple.com/",
        " https://example.com/",
        "1https://example.com/",
    ])
    func malformedURLsAreInvalid(url: String) throws {
        #expect(throws: HTTPFetchError.invalidURL) {
            try insecure.get(url: url)
        }
    }

    // Kept out of the parameterised test above so raw control characters never reach the test report.
    @Test func urlsWithControlCharactersAreInvalid() throws {
        for url in ["https://example.com\u{0}.evil.test/", "https://example.com/\r\nX-Injected: 1", "https://example.com/\u{7F}"] {
            #expect(throws: HTTPFetchError.invalidURL) {
                try insecure.get(url: url)
            }
        }
    }

    @Test func headerInjectionIsRejectedWithoutConnecting() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        #expect(throws: HTTPFetchError.invalidHeader(name: "Accept")) {
            try insecure.get(url: server.url("/ok"), accept: "application/json\r\nX-Injected: 1")
        }
        #expect(throws: HTTPFetchError.invalidHeader(name: "Content-Type")) {
            try insecure.post(url: server.url("/echo"), contentType: "text/plain\nX-Injected: 1", body: [])
        }
        let badAgent = CurlHTTPFetcher(policy: HTTPFetchPolicy(allowInsecureHTTP: true, userAgent: "a\rb"))
        #expect(throws: HTTPFetchError.invalidHeader(name: "User-Agent")) {
            try badAgent.get(url: server.url("/ok"))
        }
        #expect(server.connectionCount() == 0)
    }

    // MARK: POST

    @Test func postFormBodyArrivesIntact() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let form = "grant_type=client_credentials&scope=mcp%3Atools%20openid&client_secret=a%26b%3Dc%2B%2F"
        let response = try insecure.post(
            url: server.url("/echo"), contentType: "application/x-www-form-urlencoded",
            body: Array(form.utf8), accept: "application/json")
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == form)
        #expect(response.contentType == "application/x-www-form-urlencoded")
        #expect(server.requestLog() == ["POST /echo"])
    }

    @Test func postBinaryAndEmptyBodies() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let binary: [UInt8] = Array(0...255) + Array(repeating: 0, count: 3000) + [13, 10, 0]
        let echoed = try insecure.post(url: server.url("/echo"), contentType: "application/octet-stream", body: binary)
        #expect(echoed.body == binary)
        // An empty body must be sent as an empty body (not read from stdin, not hang).
        let empty = try insecure.post(url: server.url("/echo"), contentType: "text/plain", body: [])
        #expect(empty.status == 200)
        #expect(empty.body.isEmpty)
    }

    // MARK: Concurrency

    @Test func oneFetcherServesManyThreads() throws {
        let server = try ThrowawayServer(mode: .http)
        defer { server.stop() }
        let fetcher = insecure
        let url = server.url("/ok")
        let statuses = Statuses()
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            statuses.add((try? fetcher.get(url: url))?.status ?? -1)
        }
        #expect(statuses.all == Array(repeating: 200, count: 16))
    }

    // MARK: Pure helpers

    @Test func timeoutsAreWholeMillisecondsNeverZero() {
        #expect(CurlHTTPFetcher.milliseconds(.seconds(5)) == 5000)
        #expect(CurlHTTPFetcher.milliseconds(.milliseconds(500)) == 500)
        #expect(CurlHTTPFetcher.milliseconds(.microseconds(1500)) == 2)
        #expect(CurlHTTPFetcher.milliseconds(.nanoseconds(1)) == 1)
        #expect(CurlHTTPFetcher.milliseconds(.zero) == 1)
        #expect(CurlHTTPFetcher.milliseconds(.seconds(-3)) == 1)
    }

    @Test func policyDefaults() {
        let policy = HTTPFetchPolicy()
        #expect(policy.timeout == .seconds(5))
        #expect(policy.connectTimeout == .seconds(3))
        #expect(policy.maxBodyBytes == 1_048_576)
        #expect(policy.allowInsecureHTTP == false)
        #expect(policy.userAgent == "gatehouse/\(GatehouseVersion.current)")
    }

    @Test func redactionDropsUserinfoQueryAndFragment() {
        #expect(HTTPURLRedaction.redact("https://user:pa%40ss@idp.example:8443/realms/x/certs?key=abc#frag")
            == "https://idp.example:8443/realms/x/certs")
        #expect(HTTPURLRedaction.redact("https://a@b@idp.example/") == "https://idp.example/")
        #expect(HTTPURLRedaction.redact("https://idp.example/users/@me") == "https://idp.example/users/@me")
        #expect(HTTPURLRedaction.redact("https://idp.example") == "https://idp.example")
    }

    @Test func descriptionsAreShort() {
        let errors: [HTTPFetchError] = [
            .invalidURL, .unsupportedScheme("ftp"), .insecureScheme("http"), .invalidHeader(name: "Accept"),
            .bodyTooLarge(limit: 10), .timedOut, .connectionFailed("refused"), .tlsFailure("bad cert"),
            .transport(code: 56, message: "recv failure"),
        ]
        for error in errors {
            #expect(!error.description.isEmpty)
            #expect(error.description.count < 120)
            #expect(!error.description.contains("\n"))
        }
    }
}

// MARK: - Throwaway servers (private to this file until TestSupport settles)

private final class Statuses: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ value: Int) { lock.withLock { values.append(value) } }
    var all: [Int] { lock.withLock { values } }
}

private struct ServerError: Error, CustomStringConvertible {
    let description: String
}

/// A Python HTTP(S) server (or a silent TCP listener) on 127.0.0.1 with a kernel-chosen port, started for one test.
private final class ThrowawayServer {
    enum Mode: String {
        case http, tls, silent
    }

    let port: Int
    let scheme: String
    private let process: Process
    private let directory: URL
    private let logFile: URL

    init(mode: Mode) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gatehouse-http-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        logFile = directory.appendingPathComponent("requests.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let script = directory.appendingPathComponent("server.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)

        var arguments = [script.path, mode.rawValue, logFile.path]
        if mode == .tls {
            let cert = directory.appendingPathComponent("cert.pem").path
            let key = directory.appendingPathComponent("key.pem").path
            try Self.run("/usr/bin/env", [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-days", "1", "-keyout", key, "-out", cert,
            ])
            arguments += [cert, key]
        }
        scheme = mode == .tls ? "https" : "http"

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        do {
            // The script prints the port only once the socket is listening: that line is the readiness signal.
            let line = try Self.readLine(from: stdout.fileHandleForReading.fileDescriptor, deadline: .now + .seconds(20))
            guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
                throw ServerError(description: "unexpected server output: \(line)")
            }
            self.port = port
        } catch {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    func url(_ path: String) -> String {
        "\(scheme)://127.0.0.1:\(port)\(path)"
    }

    /// Lines the server logged: "CONNECT" per accepted connection, "<METHOD> <path>" per request.
    private func logLines() -> [String] {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    func requestLog() -> [String] {
        logLines().filter { $0 != "CONNECT" }
    }

    func connectionCount() -> Int {
        logLines().filter { $0 == "CONNECT" }.count
    }

    func stop() {
        // SIGKILL, not terminate(): a throwaway server needs no graceful shutdown, and SIGKILL works even
        // if the child inherited a blocked SIGTERM from the test runner.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServerError(description: "\(arguments.first ?? executable) exited with \(process.terminationStatus)")
        }
    }

    private static func readLine(from fd: Int32, deadline: ContinuousClock.Instant) throws -> String {
        var bytes: [UInt8] = []
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else {
                throw ServerError(description: "server did not report its port in time")
            }
            var pollfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let millis = Int32(min(remaining.components.seconds * 1000 + 1, 1000))
            let ready = poll(&pollfd, 1, millis)
            if ready < 0 {
                if errno == EINTR { continue }
                throw ServerError(description: "poll failed: \(errno)")
            }
            if ready == 0 { continue }
            var byte: UInt8 = 0
            let count = read(fd, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                throw ServerError(description: "read failed: \(errno)")
            }
            if count == 0 {
                throw ServerError(description: "server exited before reporting its port")
            }
            if byte == UInt8(ascii: "\n") {
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(byte)
        }
    }

    private static let script = #"""
    import json, signal, socket, ssl, sys, threading
    from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

    # The test runner's signal mask is inherited through exec: unblock everything so SIGTERM/SIGINT work,
    # and on Linux die with the test process if it is killed before it can stop us.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass

    mode, log_path = sys.argv[1], sys.argv[2]
    log_lock = threading.Lock()

    def log(line):
        with log_lock:
            with open(log_path, "a") as f:
                f.write(line + "\n")

    if mode == "silent":
        # Accepts connections and never answers.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        print("PORT", listener.getsockname()[1], flush=True)
        held = []
        while True:
            conn, _ = listener.accept()
            log("CONNECT")
            held.append(conn)

    class Handler(BaseHTTPRequestHandler):
        def setup(self):
            log("CONNECT")
            super().setup()

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="text/plain", length=True, extra=()):
            self.send_response(status)
            if content_type is not None:
                self.send_header("Content-Type", content_type)
            for name, value in extra:
                self.send_header(name, value)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass

        def do_GET(self):
            log("GET " + self.path)
            path, _, query = self.path.partition("?")
            if path == "/ok":
                self.reply(200, b'{"hello":"gatehouse"}', "application/json; charset=utf-8")
            elif path == "/headers":
                echoed = {name: self.headers.get(name) for name in ("user-agent", "accept", "accept-encoding")}
                self.reply(200, json.dumps(echoed).encode(), "application/json")
            elif path == "/fixed":
                self.reply(200, b"x" * int(query), "application/octet-stream")
            elif path == "/stream":
                # HTTP/1.0, no Content-Length: the body ends when the connection closes.
                self.reply(200, b"x" * int(query), "application/octet-stream", length=False)
            elif path == "/redirect":
                self.reply(302, b"", extra=[("Location", "/ok")])
            else:
                self.reply(404, b"not found")

        def do_POST(self):
            log("POST " + self.path)
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            self.reply(200, body, self.headers.get("Content-Type"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if mode == "tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT", server.server_address[1], flush=True)
    server.serve_forever()
    """#
}

/// A TCP port on 127.0.0.1 that nothing listens on: bound by the kernel's choice, then released.
private func closedLocalPort() throws -> Int {
    #if canImport(Glibc)
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let fd = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard fd >= 0 else { throw ServerError(description: "socket failed: \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw ServerError(description: "bind failed: \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
