import Foundation
import Logging
import TestSupport
import Testing

@testable import Supervisor

@Suite struct MetricsServerTests {
    @Test func servesOnlyGetMetricsAndOnlyWithTheSecret() async throws {
        let secret = "metrics-secret-0123456789abcdef"
        let server = try MetricsServer.start(
            host: "127.0.0.1", port: 0, token: secret, logger: Logger(label: "test"),
            render: { Array("# TYPE gatehouse_up gauge\ngatehouse_up 1\n".utf8) })
        defer { server.stop() }
        let address = try #require(server.address)
        let url = "http://\(address)/metrics"
        let client = TestHTTPClient()

        let scraped = try await client.get(url, headers: ["Authorization": "Bearer \(secret)"])
        #expect(scraped.status == 200)
        #expect(scraped.text == "# TYPE gatehouse_up gauge\ngatehouse_up 1\n")
        #expect(scraped.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")

        for headers in [[:], ["Authorization": "Bearer wrong-secret-0123456789abcdef"], ["Authorization": "Basic \(secret)"]] {
            let refused = try await client.get(url, headers: headers)
            #expect(refused.status == 401)
            #expect(refused.header("WWW-Authenticate") == #"Bearer realm="gatehouse-metrics""#)
            #expect(!refused.text.contains("gatehouse_up"))
        }
        #expect(try await client.send("POST", url, headers: ["Authorization": "Bearer \(secret)"]).status == 405)
        #expect(try await client.get("http://\(address)/", headers: ["Authorization": "Bearer \(secret)"]).status == 404)
    }

    @Test func aTakenPortIsAnErrorForTheCaller() throws {
        let taken = try ListeningSocket()
        #expect(throws: (any Error).self) {
            try MetricsServer.start(host: "127.0.0.1", port: taken.port, token: nil, logger: Logger(label: "test"), render: { [] })
        }
    }
}
