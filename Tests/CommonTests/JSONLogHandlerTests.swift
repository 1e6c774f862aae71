import Foundation
import Logging
import Testing

@testable import Common

@Suite struct JSONLogHandlerTests {
    /// Captures what the handler writes through a pipe.
    final class Capture: @unchecked Sendable {
        let read: Int32
        let output: LogOutput

        init() {
            var fds: [Int32] = [0, 0]
            pipe(&fds)
            read = fds[0]
            _ = fcntl(read, F_SETFL, fcntl(read, F_GETFL) | O_NONBLOCK)
            output = LogOutput(fileDescriptor: fds[1])
        }

        func lines() -> [[String: Any]] {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = Glibc.read(read, &buffer, buffer.count)
            let text = String(decoding: buffer[..<max(0, count)], as: UTF8.self)
            return text.split(separator: "\n").map { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? ["unparsable": String(line)]
            }
        }
    }

    @Test func writesOneJSONObjectPerLine() throws {
        let capture = Capture()
        var logger = Logger(label: "gatehouse.test") { JSONLogHandler(label: $0, level: .debug, output: capture.output) }
        logger[metadataKey: "request_id"] = "abc"
        logger.info("request", metadata: [
            "event": "http.request", "status": .stringConvertible(200), "ok": .stringConvertible(true),
            "list": ["a", "b"], "nested": ["k": "v"], "text": "line\nbreak \"quoted\"",
        ])
        logger.trace("not written")
        let lines = capture.lines()
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line["msg"] as? String == "request")
        #expect(line["level"] as? String == "info")
        #expect(line["logger"] as? String == "gatehouse.test")
        #expect(line["pid"] as? Int == Int(getpid()))
        #expect(line["event"] as? String == "http.request")
        #expect(line["status"] as? Int == 200)
        #expect(line["ok"] as? Bool == true)
        #expect(line["list"] as? [String] == ["a", "b"])
        #expect((line["nested"] as? [String: String])?["k"] == "v")
        #expect(line["text"] as? String == "line\nbreak \"quoted\"")
        #expect(line["request_id"] as? String == "abc")
        let timestamp = try #require(line["ts"] as? String)
        #expect(timestamp.hasSuffix("Z") && timestamp.count == 24)
    }

    @Test func aTokenThatSlipsIntoALogLineIsRedacted() throws {
        let capture = Capture()
        let logger = Logger(label: "t") { JSONLogHandler(label: $0, output: capture.output) }
        let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
        logger.warning("failed with Bearer \(token) attached", metadata: ["header": .string("Bearer \(token)")])
        let line = try #require(capture.lines().first)
        #expect(line["msg"] as? String == "failed with Bearer [redacted] attached")
        #expect(line["header"] as? String == "Bearer [redacted]")
    }

    @Test func redactorLeavesOrdinaryTextAlone() {
        #expect(SecretRedactor.redact("eyJust a word") == "eyJust a word")
        #expect(SecretRedactor.redact("no tokens here") == "no tokens here")
        #expect(SecretRedactor.redact("a eyJx.y.z b") == "a [redacted] b")
    }
}
