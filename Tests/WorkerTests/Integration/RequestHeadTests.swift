import Foundation
import TestSupport
import Testing

/// What a worker holds per connection, seen from outside over real sockets: protected routes
/// decide on the request head, a client that never reads is dropped, connections are capped,
/// and pipelined requests are answered in order whatever the one before them waits for.
@Suite(.serialized)
struct RequestHeadTests {
    let client = TestHTTPClient()

    static func post(_ path: String, length: Int, headers: [String] = []) -> String {
        (["POST \(path) HTTP/1.1", "Host: x", "Content-Type: application/json", "Content-Length: \(length)"] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// Connections that pipeline `requests` requests with large answers (the OpenAPI document)
    /// and then never read, with receive buffers too small to take much of them.
    static func nonReadingClients(_ count: Int, requests: Int, port: Int) throws -> [RawHTTPConnection] {
        let pipelined = String(repeating: "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n", count: requests)
        return try (0..<count).map { _ in
            let connection = try RawHTTPConnection(port: port, receiveBuffer: 2048)
            try connection.send(pipelined)
            return connection
        }
    }

    /// Established TCP connections of a process, from /proc (its sockets).
    static func openConnections(_ pid: Int32) -> Int {
        let links = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let sockets = links.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
            .filter { $0.hasPrefix("socket:") }
        // The listening socket, the control-less worker's only other socket.
        return max(0, sockets.count - 1)
    }

    /// Open descriptors of a process, from /proc.
    static func openDescriptors(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test func aBodyWithoutATokenIsNeverHeld() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_MAX_BODY_BYTES": "4194304"])
        defer { worker.stop(); idp.stop() }

        // 1 MiB announced; the 401 comes back before a byte of it is sent, and the connection
        // closes rather than read the rest.
        let big = try RawHTTPConnection(port: worker.port)
        try big.send(Self.post("/mcp", length: 1 << 20))
        let answer = big.readUntilClosed(timeout: .seconds(5))
        #expect(answer.data.hasPrefix("HTTP/1.1 401"))
        #expect(answer.data.contains(#""code":401"#))
        #expect(answer.closed)

        // The same over REST, for a tool that does not exist: 401 first, never the body.
        let rest = try RawHTTPConnection(port: worker.port)
        try rest.send(Self.post("/tools/anything", length: 1 << 20))
        #expect(rest.readUntilClosed(timeout: .seconds(5)).data.hasPrefix("HTTP/1.1 401"))

        // A small body is read and dropped instead, and the connection serves the next request.
        let small = try RawHTTPConnection(port: worker.port)
        try small.send(Self.post("/mcp", length: 1000))
        #expect(small.read(until: "\r\n\r\n", timeout: .seconds(5)).hasPrefix("HTTP/1.1 401"))
        try small.send(String(repeating: " ", count: 1000) + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(small.read(until: "HTTP/1.1 200", timeout: .seconds(5)).contains("HTTP/1.1 200"))
    }

    @Test func continueIsSentOnlyToAnAcceptedToken() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#

        let anonymous = try RawHTTPConnection(port: worker.port)
        try anonymous.send(Self.post("/mcp", length: body.utf8.count, headers: ["Expect: 100-continue"]))
        let refused = anonymous.readUntilClosed(timeout: .seconds(5))
        #expect(refused.data.hasPrefix("HTTP/1.1 401"))
        #expect(!refused.data.contains("100 Continue"))

        let token = try await idp.token()
        let accepted = try RawHTTPConnection(port: worker.port)
        try accepted.send(Self.post("/mcp", length: body.utf8.count, headers: ["Expect: 100-continue", "Authorization: Bearer \(token)"]))
        #expect(accepted.read(until: "\r\n\r\n", timeout: .seconds(5)).hasPrefix("HTTP/1.1 100 Continue"))
        try accepted.send(body)
        #expect(accepted.read(until: #""tools""#, timeout: .seconds(5)).contains("HTTP/1.1 200"))
    }

    /// A scopeless token posting ~700 KB of short strings used to keep the argument decoder
    /// busy on the event loop; the tool and its scope are now decided on the head.
    @Test func aRESTCallIsRefusedBeforeItsArgumentsAreRead() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }
        let scopeless = try await idp.token(scope: "profile")
        let arguments = "[" + Array(repeating: #""x""#, count: 170_000).joined(separator: ",") + "]"
        for (path, status) in [("/tools/anything", "404"), ("/tools/summarize", "403")] {
            let connection = try RawHTTPConnection(port: worker.port)
            try connection.send(Self.post(path, length: arguments.utf8.count, headers: ["Authorization: Bearer \(scopeless)"]))
            // Answered on the head, before the 700 KB are sent.
            #expect(connection.readUntilClosed(timeout: .seconds(5)).data.hasPrefix("HTTP/1.1 \(status)"), "\(path)")
        }
    }

    @Test func connectionsPastTheCapAreRefusedCleanly() async throws {
        let idp = try await DevIdPProcess.start()
        // Readiness is checked on connections that close, so that the test's own are all there is.
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_MAX_CONNECTIONS": "3"], waitForReady: false)
        defer { worker.stop(); idp.stop() }
        try await waitUntil("the worker to be ready") {
            let probe = try RawHTTPConnection(port: worker.port)
            try probe.send("GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return probe.readUntilClosed(timeout: .seconds(2)).data.hasPrefix("HTTP/1.1 200")
        }
        try await waitUntil("the probes' connections to be gone") { Self.openConnections(worker.process.pid) == 0 }
        // Three idle keep-alive connections, each proven open by an answer.
        var held: [RawHTTPConnection] = []
        for _ in 0..<3 {
            let connection = try RawHTTPConnection(port: worker.port)
            try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(connection.read(until: "HTTP/1.1 200", timeout: .seconds(5)).contains("HTTP/1.1 200"))
            held.append(connection)
        }
        let fourth = try RawHTTPConnection(port: worker.port)
        let refused = fourth.readUntilClosed(timeout: .seconds(5))
        #expect(refused.data.hasPrefix("HTTP/1.1 503"))
        #expect(refused.data.contains("Retry-After: 1"))
        #expect(refused.closed)
        #expect(!worker.process.logLines(event: "http.connection_refused").isEmpty)

        held.removeLast()  // Closes it: room for one more.
        try await waitUntil("a new connection to be served") {
            let connection = try RawHTTPConnection(port: worker.port)
            try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return connection.readUntilClosed(timeout: .seconds(2)).data.hasPrefix("HTTP/1.1 200")
        }
    }

    /// 500 clients pipeline requests with large answers and never read: once their requests
    /// are answered (into the kernel's buffers), each is closed by the keep-alive timeout, and
    /// the worker's descriptors return to where they were.
    @Test func clientsThatNeverReadAreDroppedWithinTheKeepAliveTimeout() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_KEEPALIVE_TIMEOUT": "2"])
        defer { worker.stop(); idp.stop() }
        let pid = worker.process.pid
        let baseline = Self.openDescriptors(pid)
        var clients = try Self.nonReadingClients(500, requests: 10, port: worker.port)
        let sent = ContinuousClock.now
        try await waitUntil(timeout: .seconds(10), "the worker to hold the 500 connections") { Self.openDescriptors(pid) >= baseline + 450 }
        try await waitUntil(timeout: .seconds(20), "every non-reading client to be closed") { Self.openDescriptors(pid) <= baseline }
        let freedAfter = ContinuousClock.now - sent
        #expect(freedAfter < .seconds(12), "freed after \(freedAfter)")
        #expect(try await client.get(worker.baseURL + "/healthz").status == 200)
        clients.removeAll()
    }

    /// Clients that keep the kernel's buffers full: no more answers are produced for them (so
    /// none pile up in the worker's memory), and each is closed once it has read nothing for
    /// GATEHOUSE_SEND_TIMEOUT, well before the keep-alive timeout.
    @Test func clientsThatStopReadingAreDroppedWithinTheSendTimeout() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_SEND_TIMEOUT": "2", "GATEHOUSE_KEEPALIVE_TIMEOUT": "60"])
        defer { worker.stop(); idp.stop() }
        let pid = worker.process.pid
        let baseline = Self.openDescriptors(pid)
        // About 6 MB of answers each: more than the kernel buffers on the way.
        var clients = try Self.nonReadingClients(20, requests: 300, port: worker.port)
        try await waitUntil(timeout: .seconds(10), "the worker to hold the 20 connections") { Self.openDescriptors(pid) >= baseline + 20 }
        let held = ContinuousClock.now
        try await waitUntil(timeout: .seconds(20), "every stalled client to be closed") { Self.openDescriptors(pid) <= baseline }
        let freedAfter = ContinuousClock.now - held
        #expect(freedAfter >= .seconds(1) && freedAfter < .seconds(10), "freed after \(freedAfter)")
        let answered = worker.process.logLines(event: "http.request").filter { $0["path"] as? String == "/openapi.json" }.count
        #expect(answered < 20 * 300 / 2, "\(answered) answers produced for clients that read none of them")
        clients.removeAll()
    }

    /// A client that pipelines requests and reads none of the answers cannot keep the worker
    /// reading: reads stop while the connection cannot be written, so the client's sends block
    /// once the kernel's buffers are full (a few MB), long before the 40 MB it has to send.
    @Test func aClientThatReadsNothingCannotKeepTheWorkerReading() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_SEND_TIMEOUT": "60"])
        defer { worker.stop(); idp.stop() }
        let connection = try RawHTTPConnection(port: worker.port, receiveBuffer: 2048)
        let request = Array("GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let sent = connection.sendUntilBlocked(request, times: 1_000_000, stall: .seconds(1))
        #expect(sent > 0)
        #expect(sent < 16 * 1024 * 1024, "\(sent) bytes taken from a client that read nothing")
        #expect(try await client.get(worker.baseURL + "/healthz").status == 200)
    }

    /// A request pipelined behind one that waits for a key refresh is answered after it, in
    /// order, and so is the one behind it.
    @Test func pipelinedRequestsBehindARefreshAreAllAnswered() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_JWKS_COOLDOWN": "0"])
        defer { worker.stop(); idp.stop() }
        try await idp.rotate()
        let rotated = try await idp.token()  // Signed with a key the worker has not seen: a refresh.
        let body = #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#
        let request = Self.post("/mcp", length: body.utf8.count, headers: ["Authorization: Bearer \(rotated)"]) + body
        let connection = try RawHTTPConnection(port: worker.port)
        try connection.send(request + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + request)
        let answers = connection.read(until: "HTTP/1.1 200", count: 3, timeout: .seconds(5))
        #expect(answers.components(separatedBy: "HTTP/1.1 200").count - 1 == 3, "\(answers.prefix(600))")
        #expect(!worker.process.logLines(event: "jwks.refresh").filter { $0["reason"] as? String == "unknown_kid" }.isEmpty)
    }
}
