import Foundation
import TestSupport
import Testing

@Suite(.serialized)
struct HTTPServerIntegrationTests {
    let client = TestHTTPClient()

    @Test func routingAndErrorBodies() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }

        let missing = try await client.get(worker.baseURL + "/nope")
        #expect(missing.status == 404)
        #expect(missing.json?["error"] as? String == "not_found")
        let wrongMethod = try await client.send("POST", worker.baseURL + "/healthz")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("allow") == "GET, HEAD")
        #expect(try await client.get(worker.baseURL + "/healthz").json?["status"] as? String == "ok")
        #expect(try await client.send("HEAD", worker.baseURL + "/healthz").body.isEmpty)
        let docs = try await client.get(worker.baseURL + "/docs")
        #expect(docs.status == 200)
        #expect(docs.text.contains("oauth-protected-resource"))
    }

    @Test func requestIDsAreEchoedWhenWellFormedAndGeneratedOtherwise() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { worker.stop(); idp.stop() }

        let echoed = try await client.get(worker.baseURL + "/healthz", headers: ["X-Request-ID": "trace-123.abc"])
        #expect(echoed.header("x-request-id") == "trace-123.abc")
        let replaced = try await client.get(worker.baseURL + "/healthz", headers: ["X-Request-ID": "bad id\" with spaces"])
        let generated = try #require(replaced.header("x-request-id"))
        #expect(generated != "bad id\" with spaces")
        #expect(generated.count == 32)
        try await waitUntil("access log line") {
            worker.process.logLines(event: "http.request").contains { $0["request_id"] as? String == "trace-123.abc" }
        }
        let line = try #require(worker.process.logLines(event: "http.request").first { $0["request_id"] as? String == "trace-123.abc" })
        #expect(line["method"] as? String == "GET")
        #expect(line["path"] as? String == "/healthz")
        #expect(line["status"] as? Int == 200)
        #expect(line["duration_ms"] is Double)
    }

    @Test func oversizedBodiesAndHeadersAreRefused() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: ["GATEHOUSE_MAX_BODY_BYTES": "4096"])
        defer { worker.stop(); idp.stop() }

        // Declared too large: refused before the body is read.
        let declared = try RawHTTPConnection(port: worker.port)
        try declared.send("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
        let declaredAnswer = declared.readUntilClosed(timeout: .seconds(5))
        #expect(declaredAnswer.data.hasPrefix("HTTP/1.1 413"))
        #expect(declaredAnswer.closed)

        // Chunked past the limit (with a token: without one the head is answered at once).
        let token = try await idp.token()
        let chunked = try RawHTTPConnection(port: worker.port)
        try chunked.send("POST /mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: "a", count: 3000)
        try chunked.send("bb8\r\n\(chunk)\r\nbb8\r\n\(chunk)\r\n")
        #expect(chunked.readUntilClosed(timeout: .seconds(5)).data.hasPrefix("HTTP/1.1 413"))

        // Headers larger than the limit (16 KiB by default): 431.
        let headers = try RawHTTPConnection(port: worker.port)
        try headers.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 20000))\r\n\r\n")
        #expect(headers.readUntilClosed(timeout: .seconds(5)).data.hasPrefix("HTTP/1.1 431"))

        // Headers beyond what the parser holds at all: still 431, not a reset.
        let huge = try RawHTTPConnection(port: worker.port)
        try? huge.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 200_000))\r\n\r\n")
        #expect(huge.readUntilClosed(timeout: .seconds(5)).data.hasPrefix("HTTP/1.1 431"))

        // Not HTTP at all: 400 without internals.
        let garbage = try RawHTTPConnection(port: worker.port)
        try garbage.send("\u{1}\u{2}GARBAGE\r\n\r\n")
        let garbageAnswer = garbage.readUntilClosed(timeout: .seconds(5)).data
        #expect(garbageAnswer.hasPrefix("HTTP/1.1 400"))
        #expect(!garbageAnswer.contains("HTTPParserError"))

        // The worker is unharmed.
        #expect(try await client.get(worker.baseURL + "/healthz").status == 200)
    }

    @Test func keepAliveAndTimeouts() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: [
            "GATEHOUSE_KEEPALIVE_TIMEOUT": "1", "GATEHOUSE_READ_TIMEOUT": "1",
        ])
        defer { worker.stop(); idp.stop() }

        // Two requests on one connection, pipelined.
        let keepAlive = try RawHTTPConnection(port: worker.port)
        try keepAlive.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        let both = keepAlive.read(until: "HTTP/1.1 200", count: 2, timeout: .seconds(5))
        #expect(both.components(separatedBy: "HTTP/1.1 200").count - 1 == 2)
        // ...then closed once idle past the keep-alive timeout.
        #expect(keepAlive.readUntilClosed(timeout: .seconds(5)).closed)

        // A body that never finishes: 408 after the read timeout.
        let token = try await idp.token()
        let slow = try RawHTTPConnection(port: worker.port)
        try slow.send("POST /mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"js")
        let slowAnswer = slow.readUntilClosed(timeout: .seconds(5))
        #expect(slowAnswer.data.hasPrefix("HTTP/1.1 408"))
        #expect(slowAnswer.closed)

        // A head that never finishes (slowloris): closed.
        let stalled = try RawHTTPConnection(port: worker.port)
        try stalled.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        #expect(stalled.readUntilClosed(timeout: .seconds(5)).closed)

        // Connection: close is honoured.
        let closing = try RawHTTPConnection(port: worker.port)
        try closing.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let closed = closing.readUntilClosed(timeout: .seconds(3))
        #expect(closed.closed)
        #expect(closed.data.contains("Connection: close"))
    }

    @Test func gracefulStopFinishesAndExitsZero() async throws {
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp)
        defer { idp.stop() }
        let idle = try RawHTTPConnection(port: worker.port)
        try idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = idle.read(until: "\"ok\"", timeout: .seconds(5))

        worker.process.signal(SIGTERM)
        try await waitUntil("the worker to start draining") { !worker.process.logLines(event: "worker.stopping").isEmpty }
        // A request on a kept-alive connection during the drain is still answered: not ready,
        // and the connection closes after it.
        try idle.send("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        let draining = idle.readUntilClosed(timeout: .seconds(10))
        #expect(draining.data.hasPrefix("HTTP/1.1 503"))
        #expect(draining.data.contains("\"status\":\"draining\""))
        #expect(draining.data.contains("Connection: close"))
        #expect(draining.closed)
        #expect(try await worker.process.waitForExit(timeout: .seconds(10)) == 0)
    }

    @Test func adoptsAnInheritedListeningSocket() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        // Bound here, as the supervisor binds it, and handed over as fd 3.
        let socket = try ListeningSocket()
        var environment = WorkerProcess.environment(idp: idp)
        environment["GATEHOUSE_LISTEN_FDS"] = "3"
        environment["GATEHOUSE_BIND"] = "127.0.0.1:1"  // Ignored in favour of the inherited socket.
        let worker = try ManagedProcess(
            executable: BuildProducts.executable("gatehouse"), arguments: ["worker"], environment: environment,
            descriptors: [3: socket.fileDescriptor])
        defer { worker.stop() }

        let ready = try await eventually(timeout: .seconds(30), "the worker to answer on the inherited socket") {
            let response = try await client.get("http://127.0.0.1:\(socket.port)/readyz")
            return response.status == 200 ? response : nil
        }
        #expect(ready.json?["status"] as? String == "ready")
        // The socket was listening before the worker took it: the first request can be served
        // before the worker's task gets to log that it listens.
        let listening = try await eventually("the worker.listening line") { worker.logLines(event: "worker.listening").first }
        #expect(listening["listener"] as? String == "fd:3")
        #expect(listening["port"] as? Int == socket.port)
    }

    @Test func refusesAMalformedInheritedDescriptorList() async throws {
        let idp = try await DevIdPProcess.start()
        defer { idp.stop() }
        var environment = WorkerProcess.environment(idp: idp)
        environment["GATEHOUSE_LISTEN_FDS"] = "three"
        let worker = try ManagedProcess(executable: BuildProducts.executable("gatehouse"), arguments: ["worker"], environment: environment)
        #expect(try await worker.waitForExit() == 78)
        #expect(worker.output.contains("GATEHOUSE_LISTEN_FDS"))
    }
}
