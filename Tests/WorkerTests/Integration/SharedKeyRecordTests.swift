import Foundation
import TestSupport
import Testing

/// Redis is a trust boundary: what a worker reads from it is signed by the fleet, and anything
/// else a writer of Redis plants is refused (a real worker, a real redis-server, records
/// written with redis-cli).
@Suite(.serialized)
struct SharedKeyRecordTests {
    let client = TestHTTPClient()

    struct Fleet {
        var redis: RedisServerProcess
        var idp: DevIdPProcess
        var worker: WorkerProcess
        /// `gatehouse:jwks:<hash>`: the keys the worker uses.
        var namespace: String

        func stop() { worker.stop(); idp.stop(); redis.stop() }

        func plant(_ record: [UInt8]) async throws {
            _ = try await redis.cli(["SET", namespace + ":document", String(decoding: record, as: UTF8.self)])
            _ = try await redis.cli(["PUBLISH", namespace + ":updated", String(Date().timeIntervalSince1970 + 1e6)])
        }

        func storedRecord() async throws -> String {
            try await redis.cli(["GET", namespace + ":document"])
        }
    }

    func startFleet() async throws -> Fleet {
        let redis = try await RedisServerProcess.start()
        let idp = try await DevIdPProcess.start()
        let worker = try await WorkerProcess.start(idp: idp, environment: [
            "GATEHOUSE_REDIS_URL": redis.url(), "GATEHOUSE_JWKS_COOLDOWN": "0",
        ])
        // The worker stored the provider's document at start-up; its key names the namespace.
        let key = try await eventually("the worker's record in Redis") { () -> String? in
            let found = try await redis.cli(["--scan", "--pattern", "gatehouse:jwks:*:document"])
                .split(separator: "\n").first.map(String.init)
            return found
        }
        return Fleet(redis: redis, idp: idp, worker: worker, namespace: String(key.dropLast(":document".count)))
    }

    func whoami(_ fleet: Fleet, token: String) async throws -> TestResponse {
        try await client.postJSON(fleet.worker.mcpURL, MCPRequests.callTool("whoami"), headers: MCPRequests.bearer(token))
    }

    @Test func aKeyPlantedInRedisSignsNoTokenThatPasses() async throws {
        let fleet = try await startFleet()
        defer { fleet.stop() }
        let keys = try await TestSigningKeys.shared()
        let planted = try SharedRecordForge.jwks([keys.attacker.publicJWK()])
        let forged = try keys.attacker.sign(payload: fleet.idp.keycloakClaims())
        let future = Date().timeIntervalSince1970 + 86400
        let records: [(reason: String, record: [UInt8])] = [
            // What anyone able to write Redis could do before records were signed.
            ("unsigned", SharedRecordForge.unsigned(document: planted, fetchedAt: future)),
            ("bad_signature", SharedRecordForge.signed(
                document: planted, fetchedAt: Date().timeIntervalSince1970, namespace: fleet.namespace,
                key: "a-guess-at-the-fleet-key-0123456789abcdef")),
            // Signed with the fleet's key (a host with a wrong clock, or a leaked key), but
            // dated where it would stay fresh forever.
            ("dated_in_future", SharedRecordForge.signed(
                document: planted, fetchedAt: future, namespace: fleet.namespace, key: WorkerProcess.sharedCacheKey)),
        ]
        for (reason, record) in records {
            try await fleet.plant(record)
            // Its unknown `kid` makes the worker look in Redis at once.
            let response = try await whoami(fleet, token: forged)
            #expect(response.status == 401, "\(reason): \(response.status)")
            try await waitUntil("the worker to refuse the \(reason) record") {
                fleet.worker.process.logLines(event: "jwks.shared_record_rejected").contains { $0["reason"] as? String == reason }
            }
            // The worker went to the provider and put the genuine document, signed, back.
            try await waitUntil("the genuine record to replace the \(reason) one") {
                let stored = try await fleet.storedRecord()
                return stored.hasPrefix(SharedRecordForge.version + "\n") && !stored.contains(keys.attacker.kid)
            }
        }
        // Genuine tokens kept working throughout.
        #expect(try await whoami(fleet, token: try await fleet.idp.token()).status == 200)
    }

    /// Whoever holds the fleet key can publish any key under the provider's own `kid`; once
    /// the genuine document is back, nothing verified under the impostor may pass from the
    /// token cache (it is bound to the key's thumbprint, not its `kid`).
    @Test func restoringTheGenuineKeysEvictsWhatAnImpostorVerified() async throws {
        let fleet = try await startFleet()
        defer { fleet.stop() }
        let keys = try await TestSigningKeys.shared()
        let genuine = try await fleet.idp.token()
        let genuineKeyID = try #require(TokenForge.decodedPart(genuine, 0)?["kid"] as? String)
        let impostor = try await keys.attacker.resigning(as: .rs256, kid: genuineKeyID)
        let jwksBefore = fleet.worker.process.logLines(event: "jwks.refresh").count

        try await fleet.plant(SharedRecordForge.signed(
            document: try SharedRecordForge.jwks([impostor.publicJWK()]), fetchedAt: Date().timeIntervalSince1970,
            namespace: fleet.namespace, key: WorkerProcess.sharedCacheKey))
        try await waitUntil("the worker to load the impostor") {
            fleet.worker.process.logLines(event: "jwks.refresh").count > jwksBefore
        }
        let forged = try impostor.sign(payload: fleet.idp.keycloakClaims())
        #expect(try await whoami(fleet, token: forged).status == 200)  // Verified, and now cached.
        #expect(try await whoami(fleet, token: forged).status == 200)

        let genuineDocument = try await client.get(fleet.idp.jwksURI).body
        let afterImpostor = fleet.worker.process.logLines(event: "jwks.refresh").count
        try await fleet.plant(SharedRecordForge.signed(
            document: Array(genuineDocument), fetchedAt: Date().timeIntervalSince1970 + 1,
            namespace: fleet.namespace, key: WorkerProcess.sharedCacheKey))
        try await waitUntil("the worker to load the genuine keys again") {
            fleet.worker.process.logLines(event: "jwks.refresh").count > afterImpostor
        }
        #expect(try await whoami(fleet, token: forged).status == 401)
        #expect(try await whoami(fleet, token: genuine).status == 200)
    }
}
