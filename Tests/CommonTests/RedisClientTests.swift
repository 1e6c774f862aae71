import Foundation
import Synchronization
import Testing
import TestSupport

@testable import Common

// RedisURL parsing, and RedisClient / RedisSubscriber against real redis-server processes (one per
// test, on a free loopback port; never the distribution's service). No mocks, no fixed sleeps.

extension RedisClientTests {
    @Suite("RedisURL")
    struct URLParsing {
        @Test func defaults() throws {
            let url = try RedisURL(parsing: "redis://cache.internal")
            #expect(url == RedisURL(host: "cache.internal", port: 6379, database: 0))
            #expect(url.description == "redis://cache.internal:6379/0")
        }

        @Test func hostPortAndDatabase() throws {
            let url = try RedisURL(parsing: "redis://10.0.0.5:6380/3")
            #expect(url == RedisURL(host: "10.0.0.5", port: 6380, database: 3))
            #expect(try RedisURL(parsing: "REDIS://h:1/").database == 0)
            #expect(try RedisURL(parsing: "redis://[::1]:7000/1") == RedisURL(host: "::1", port: 7000, database: 1))
            #expect(try RedisURL(parsing: "redis://[::1]:7000/1").description == "redis://[::1]:7000/1")
        }

        @Test func passwordIsPercentDecodedAndNeverPrinted() throws {
            let url = try RedisURL(parsing: "redis://:p%40ss%3Aw%2Frd%25@redis:6379/2")
            #expect(url.password == "p@ss:w/rd%")
            #expect(url.username == nil)
            #expect(url.description == "redis://:***@redis:6379/2")
            #expect(!"\(url)".contains("p@ss"))
            var dumped = ""
            dump(RedisOptions(url: url), to: &dumped)
            #expect(!dumped.contains("p@ss"))
            #expect(!"\(RedisOptions(url: url))".contains("p@ss"))
            #expect(!String(reflecting: url).contains("p@ss"))
            // An unencoded "@" in the password still parses: the last "@" ends the credentials.
            #expect(try RedisURL(parsing: "redis://:a@b@redis").password == "a@b")
        }

        @Test func userAndPassword() throws {
            let url = try RedisURL(parsing: "redis://gatehouse:s3cret@redis/1")
            #expect(url.username == "gatehouse")
            #expect(url.password == "s3cret")
            #expect(url.description == "redis://gatehouse:***@redis:6379/1")
        }

        @Test func tlsIsRefusedForNow() {
            #expect(throws: RedisURLError.self) { try RedisURL(parsing: "rediss://:pw@redis:6380/0") }
            do {
                _ = try RedisURL(parsing: "rediss://:pw@redis:6380/0")
            } catch {
                #expect(error.reason.contains("TLS"))
            }
        }

        @Test(arguments: [
            "", "redis", "redis://", "http://redis:6379", "redis://redis:0", "redis://redis:65536",
            "redis://redis:port", "redis://redis/db", "redis://redis/-1", "redis://redis/1?timeout=1",
            "redis://redis#x", "redis://secret@redis", "redis://:@redis", "redis://:%zz@redis",
            "redis://[::1", "redis://re dis", "redis://:hunter2@",
        ])
        func garbageIsRefusedWithoutEchoingIt(text: String) {
            do {
                let url = try RedisURL(parsing: text)
                Issue.record("accepted \(text.debugDescription) as \(url)")
            } catch {
                #expect(!error.description.contains("hunter2"))
                #expect(!error.description.contains("secret"))
            }
        }
    }

}

@Suite("RedisClient")
struct RedisClientTests {
    @Test func setGetDelRoundTripIsBinarySafe() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options())
        defer { client.shutdown() }

        #expect(try await client.get("missing") == nil)
        #expect(try await client.set("greeting", "hello"))
        #expect(try await client.get("greeting") == Array("hello".utf8))

        let binary: [UInt8] = [0, 1, 2, 0, 255, 13, 10, 0]
        try await client.set("binary", binary)
        #expect(try await client.get("binary") == binary)
        #expect(try await client.command([Array("STRLEN".utf8), Array("binary".utf8)]) == .integer(8))

        #expect(try await client.del("greeting", "binary", "missing") == 2)
        #expect(try await client.get("greeting") == nil)
    }

    @Test func errorRepliesAreRepliesNotTransportErrors() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options(), connections: 1)
        defer { client.shutdown() }
        #expect(try await client.command(["LPUSH", "list", "x"]) == .integer(1))
        guard case .error(let message) = try await client.command(["GET", "list"]) else {
            Issue.record("GET of a list should be an error reply")
            return
        }
        #expect(message.hasPrefix("WRONGTYPE"))
        // The convenience call turns it into a thrown error; the connection stays fine.
        #expect(await failure { try await client.get("list") } == .server(message))
        #expect(try await client.command(["PING"]) == .status("PONG"))
    }

    @Test func setNXPXIsALockWithALease() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options())
        defer { client.shutdown() }

        #expect(try await client.set("lock", "worker-1", px: .milliseconds(300), nx: true))
        #expect(try await client.set("lock", "worker-2", px: .milliseconds(300), nx: true) == false)
        #expect(try await client.get("lock") == Array("worker-1".utf8))
        guard case .integer(let ttl) = try await client.command(["PTTL", "lock"]) else {
            Issue.record("PTTL is an integer")
            return
        }
        #expect((1...300).contains(ttl))

        try await waitUntil(timeout: .seconds(5), "the lock to expire") { try await client.get("lock") == nil }
        #expect(try await client.set("lock", "worker-2", px: .seconds(10), nx: true))
        #expect(try await client.get("lock") == Array("worker-2".utf8))
    }

    @Test func databaseIndexIsolatesKeys() async throws {
        let server = try await RedisServerProcess.start()
        let db2 = RedisClient(options: try server.options(db: 2))
        let db0 = RedisClient(options: try server.options(db: 0))
        defer {
            db2.shutdown()
            db0.shutdown()
        }
        try await db2.set("jwks", "document")
        #expect(try await db0.get("jwks") == nil)
        #expect(try await db2.get("jwks") == Array("document".utf8))
        #expect(try await db2.command(["DBSIZE"]) == .integer(1))
        #expect(try await db0.command(["DBSIZE"]) == .integer(0))

        // A database the server does not have is a server error at connect time.
        let db99 = RedisClient(options: try server.options(db: 99), connections: 1)
        defer { db99.shutdown() }
        guard case .server(let message)? = await failure({ try await db99.get("x") }) else {
            Issue.record("SELECT 99 should fail")
            return
        }
        #expect(message.contains("DB index"))
    }

    @Test func requirepassRightWrongAndMissingPassword() async throws {
        let password = "Corr3ct-horse/battery@staple"
        let server = try await RedisServerProcess.start(password: password)

        let right = RedisClient(options: try server.options())
        defer { right.shutdown() }
        try await right.set("k", "v")
        #expect(try await right.get("k") == Array("v".utf8))

        let wrongPassword = "Wr0ng-pa55word-7f3a"
        let wrongURL = try RedisURL(parsing: server.url(password: wrongPassword))
        let wrong = RedisClient(options: RedisOptions(url: wrongURL), connections: 1)
        defer { wrong.shutdown() }
        let wrongError = await failure { try await wrong.get("k") }
        #expect(wrongError == .authenticationFailed)
        #expect(!"\(String(describing: wrongError))".contains(wrongPassword))
        #expect(!wrongURL.description.contains(wrongPassword))

        let missing = RedisClient(options: try RedisOptions(url: RedisURL(parsing: server.url(password: nil))), connections: 1)
        defer { missing.shutdown() }
        #expect(await failure { try await missing.get("k") } == .authenticationFailed)
        // The raw command path reports the server's refusal as a reply.
        let connection = try RedisConnection(options: RedisOptions(url: RedisURL(parsing: server.url(password: password))))
        #expect(try connection.command(["PING"]) == .status("PONG"))
        #expect(throws: RedisError.authenticationFailed) {
            try RedisConnection(options: RedisOptions(url: RedisURL(parsing: server.url(password: nil))))
        }
    }

    @Test func aclUserAndPassword() async throws {
        let server = try await RedisServerProcess.start(
            extraArguments: ["--user", "gatehouse", "on", ">gh-pass", "~*", "&*", "+@all"])
        let url = try RedisURL(parsing: server.url(password: "gh-pass", username: "gatehouse"))
        #expect(url.username == "gatehouse")
        let client = RedisClient(options: RedisOptions(url: url), connections: 1)
        defer { client.shutdown() }
        #expect(try await client.command(["ACL", "WHOAMI"]).text == "gatehouse")

        let wrong = try RedisURL(parsing: server.url(password: "nope", username: "gatehouse"))
        #expect(throws: RedisError.authenticationFailed) { try RedisConnection(options: RedisOptions(url: wrong)) }
    }

    @Test func manyConcurrentCallsAllSucceed() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options(), connections: 4)
        defer { client.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let value = Array("value-\(index)".utf8) + [0, UInt8(index)]
                    try await client.set("key-\(index)", value)
                    let read = try await client.get("key-\(index)")
                    #expect(read == value)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await client.command(["DBSIZE"]) == .integer(200))
    }

    @Test func killedServerFailsFastAndRestartHeals() async throws {
        let server = try await RedisServerProcess.start()
        let connectTimeout = Duration.milliseconds(500)
        let client = RedisClient(options: try server.options(connectTimeout: connectTimeout), connections: 2)
        defer { client.shutdown() }
        try await client.set("before", "1")

        try await server.kill()
        let clock = ContinuousClock()
        for _ in 0..<4 {
            let start = clock.now
            let error = await failure { try await client.get("before") }
            let elapsed = clock.now - start
            #expect(isConnectionLoss(error), "got \(String(describing: error))")
            #expect(elapsed < connectTimeout + .milliseconds(500), "took \(elapsed)")
        }

        try await server.restart()
        // Same client: each pool thread notices its dead connection and reconnects by itself.
        try await waitUntil(timeout: .seconds(5), "calls to succeed after the restart") {
            (try? await client.set("after", "2")) == true
        }
        for _ in 0..<10 {
            #expect(try await client.get("after") == Array("2".utf8))
        }
        // A fresh server: what was there before the crash is gone.
        #expect(try await client.get("before") == nil)
    }

    @Test func commandTimeoutThenRecovery() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options(commandTimeout: .milliseconds(300)), connections: 1)
        defer { client.shutdown() }
        try await client.set("k", "v")

        // BLPOP on an empty list blocks server-side for 5 s (DEBUG SLEEP is disabled in Redis 7).
        let clock = ContinuousClock()
        let start = clock.now
        let error = await failure { try await client.command(["BLPOP", "empty-list", "5"]) }
        let elapsed = clock.now - start
        #expect(error == .timeout)
        #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(2), "took \(elapsed)")

        // The timed-out connection is dropped (a late reply must not answer the next command);
        // the next call reconnects on the same (only) thread.
        #expect(try await client.get("k") == Array("v".utf8))
        #expect(try await client.command(["PING"]) == .status("PONG"))
    }

    @Test func hungServerTimesOutAndRecovers() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options(commandTimeout: .milliseconds(300)), connections: 1)
        defer { client.shutdown() }
        try await client.set("k", "v")

        // A stopped server: connections stay open, nothing answers.
        server.process.signal(SIGSTOP)
        defer { server.process.signal(SIGCONT) }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await failure { try await client.get("k") } == .timeout)
        #expect(clock.now - start < .seconds(2))

        server.process.signal(SIGCONT)
        try await waitUntil(timeout: .seconds(5), "calls to succeed again") {
            (try? await client.get("k")) == Array("v".utf8)
        }
    }

    @Test func connectAtStartConnectsEveryThreadBeforeAnyCall() async throws {
        let server = try await RedisServerProcess.start()
        let lazy = RedisClient(options: try server.options(), connections: 2)
        defer { lazy.shutdown() }
        let eager = RedisClient(options: try server.options(), connections: 2, connectAtStart: true)
        defer { eager.shutdown() }
        /// Clients connected besides the `redis-cli` that asks.
        func connected() async throws -> Int? {
            let info = try await server.cli(["INFO", "clients"])
            let line = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("connected_clients:") }
            return line.flatMap { Int($0.dropFirst("connected_clients:".count).trimmingCharacters(in: .whitespaces)) }.map { $0 - 1 }
        }
        try await waitUntil("the eager client's two connections") { try await connected() == 2 }
        // The lazy client has still not connected; its first call does.
        #expect(try await connected() == 2)
        #expect(try await lazy.get("k") == nil)
        #expect(try await connected() == 3)
    }

    @Test func shutdownClientFailsWithClosed() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options(), connections: 1)
        try await client.set("k", "v")
        client.shutdown()
        #expect(await failure { try await client.get("k") } == .closed)
    }

    // MARK: - Pub/sub

    @Test func subscriberReceivesPublishedMessages() async throws {
        let server = try await RedisServerProcess.start(password: "sub-pass")
        let client = RedisClient(options: try server.options())
        defer { client.shutdown() }
        let events = Recorder<RedisSubscriber.Event>()
        let messages = Recorder<Message>()
        let subscriber = RedisSubscriber(
            options: try server.options(), channels: ["jwks", "other"],
            onEvent: { events.append($0) }, onMessage: { messages.append(Message(channel: $0, payload: $1)) })
        defer { subscriber.stop() }

        try await waitUntil(timeout: .seconds(5), "the subscription") { events.all == [.subscribed] }
        #expect(try await client.publish("jwks", "refreshed") == 1)
        #expect(try await client.publish("other", [0, 1, 0]) == 1)
        #expect(try await client.publish("unrelated", "ignored") == 0)
        try await waitUntil(timeout: .seconds(5), "both messages") { messages.all.count == 2 }
        #expect(messages.all == [
            Message(channel: "jwks", payload: Array("refreshed".utf8)), Message(channel: "other", payload: [0, 1, 0]),
        ])

        subscriber.stop()
        let delivered = messages.all.count
        try await waitUntil(timeout: .seconds(5), "the server to drop the subscriber") {
            try await client.publish("jwks", "late") == 0
        }
        #expect(messages.all.count == delivered)
        #expect(events.all == [.subscribed])
    }

    @Test func subscriberSurvivesAServerRestart() async throws {
        let server = try await RedisServerProcess.start()
        let client = RedisClient(options: try server.options(connectTimeout: .milliseconds(300)))
        defer { client.shutdown() }
        let events = Recorder<RedisSubscriber.Event>()
        let messages = Recorder<Message>()
        let subscriber = RedisSubscriber(
            options: try server.options(connectTimeout: .milliseconds(300)), channels: ["jwks"],
            maxBackoff: .milliseconds(200),
            onEvent: { events.append($0) }, onMessage: { messages.append(Message(channel: $0, payload: $1)) })
        defer { subscriber.stop() }
        try await waitUntil(timeout: .seconds(5), "the subscription") { events.all == [.subscribed] }
        #expect(try await client.publish("jwks", "before") == 1)
        try await waitUntil(timeout: .seconds(5), "the message published before the crash") { messages.all.count == 1 }

        try await server.kill()
        try await waitUntil(timeout: .seconds(5), "the subscriber to notice") { events.all.count == 2 }
        guard case .unavailable(let error) = events.all[1] else {
            Issue.record("expected .unavailable, got \(events.all)")
            return
        }
        #expect(error != .closed)

        try await server.restart()
        try await waitUntil(timeout: .seconds(10), "the subscriber to recover") { events.all.count == 3 }
        #expect(events.all[2] == .recovered)
        #expect(try await eventually(timeout: .seconds(5), "the publish to reach the subscriber") {
            try await client.publish("jwks", "after") == 1 ? true : nil
        })
        try await waitUntil(timeout: .seconds(5), "the message published after the restart") {
            messages.all.contains(Message(channel: "jwks", payload: Array("after".utf8)))
        }
        #expect(messages.all[0] == Message(channel: "jwks", payload: Array("before".utf8)))
        // One line per transition: nothing more while it was down.
        #expect(events.all.count == 3)
    }

    @Test func subscriberNoticesASilentServerThroughPing() async throws {
        let server = try await RedisServerProcess.start()
        let events = Recorder<RedisSubscriber.Event>()
        let subscriber = RedisSubscriber(
            options: try server.options(connectTimeout: .milliseconds(300), commandTimeout: .milliseconds(300)),
            channels: ["jwks"], pingInterval: .milliseconds(200), maxBackoff: .milliseconds(200),
            onEvent: { events.append($0) }, onMessage: { _, _ in })
        defer { subscriber.stop() }
        try await waitUntil(timeout: .seconds(5), "the subscription") { events.all == [.subscribed] }

        // A stopped server keeps its sockets open but answers nothing, like a peer behind a
        // partition: only the unanswered PING can tell.
        server.process.signal(SIGSTOP)
        defer { server.process.signal(SIGCONT) }
        try await waitUntil(timeout: .seconds(5), "the PING to go unanswered") { events.all.count == 2 }
        #expect(events.all[1] == .unavailable(.timeout))

        server.process.signal(SIGCONT)
        try await waitUntil(timeout: .seconds(10), "the subscriber to recover") { events.all.count == 3 }
        #expect(events.all[2] == .recovered)
    }

    @Test func subscriberStartingWhileRedisIsDownRecoversLater() async throws {
        let server = try await RedisServerProcess.start()
        try await server.kill()
        let events = Recorder<RedisSubscriber.Event>()
        let subscriber = RedisSubscriber(
            options: try server.options(connectTimeout: .milliseconds(300)), channels: ["jwks"],
            maxBackoff: .milliseconds(200), onEvent: { events.append($0) }, onMessage: { _, _ in })
        defer { subscriber.stop() }
        try await waitUntil(timeout: .seconds(5), "the first failure") { !events.all.isEmpty }
        guard case .unavailable(.connectionFailed) = events.all[0] else {
            Issue.record("expected .unavailable(.connectionFailed), got \(events.all)")
            return
        }
        try await server.restart()
        try await waitUntil(timeout: .seconds(10), "the subscriber to recover") { events.all.count == 2 }
        #expect(events.all[1] == .recovered)

        // stop() returns promptly even while the thread is blocked reading.
        let clock = ContinuousClock()
        let start = clock.now
        subscriber.stop()
        #expect(clock.now - start < .seconds(1))
    }
}

// MARK: - Helpers

/// The error a call threw, or nil when it succeeded. (The closures' thrown type is `any Error`:
/// Swift 6 does not infer typed throws for closures yet.)
private func failure<T>(_ body: () async throws -> T) async -> RedisError? {
    do {
        _ = try await body()
        return nil
    } catch let error as RedisError {
        return error
    } catch {
        Issue.record("not a RedisError: \(error)")
        return nil
    }
}

private func isConnectionLoss(_ error: RedisError?) -> Bool {
    switch error {
    case .connectionFailed?, .closed?: true
    default: false
    }
}

private struct Message: Sendable, Equatable {
    var channel: String
    var payload: [UInt8]
}

/// Collects what callbacks on other threads deliver.
private final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    func append(_ item: Element) {
        items.withLock { $0.append(item) }
    }

    var all: [Element] {
        items.withLock { $0 }
    }
}
