import ArgumentParser
import Foundation

/// `gatehouse-dev-idp`: a Keycloak look-alike for tests and local development.
struct IdentityProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatehouse-dev-idp",
        abstract: "Development OpenID provider that issues Keycloak-shaped tokens (on loopback or in a container; never for production)."
    )

    @Option(help: """
        Address to listen on: \(ListenHost.loopbackList); or 0.0.0.0 or :: inside a container, \
        with --hostname and clients of your own (--client-secret-file or --client), and no /admin.
        """)
    var host = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free port.")
    var port = 0

    @Option(help: ArgumentHelp(
        "Origin to advertise in the issuer and every endpoint, as Keycloak's --hostname: for a proxy that exposes the IdP at another address, or a container (it still listens on --host only).",
        valueName: "scheme://host[:port]"))
    var hostname: String?

    @Option(help: "Realm name, as in Keycloak's /realms/{realm}.")
    var realm = "mcp-realm"

    @Option(name: .customLong("audience"), help: "Audience added to every token's aud, repeatable. (default: \(IdPConfiguration.defaultAudience))")
    var audiences: [String] = []

    @Option(
        name: .customLong("client"),
        help: "Client as id:secret[:scope1 scope2 ...], repeatable. (default: mcp-client:mcp-secret:mcp:read mcp:write mcp:infer)"
    )
    var clients: [String] = []

    @Option(help: "Secret of mcp-client (with its default scopes) read from this file, such as a Docker secret, instead of mcp-secret. Not with --client.")
    var clientSecretFile: String?

    @Option(help: "Access token lifetime in seconds.")
    var tokenLifetime = IdPConfiguration.defaultTokenLifetime

    @Option(help: "After binding, write the port number to this file (atomically).")
    var portFile: String?

    func validate() throws {
        guard let listenHost = ListenHost(argument: host) else {
            throw ValidationError("--host must be a loopback address (\(ListenHost.loopbackList)), 0.0.0.0 or ::, got '\(host)'")
        }
        if let hostname, !IdPConfiguration.isOrigin(hostname) {
            throw ValidationError("--hostname must be an origin such as http://10.0.0.5:8180 (no path), got '\(hostname)'")
        }
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be between 0 and 65535")
        }
        guard !realm.isEmpty, realm.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ValidationError("--realm may only contain letters, digits, '-', '_' and '.'")
        }
        guard tokenLifetime > 0 else {
            throw ValidationError("--token-lifetime must be a positive number of seconds")
        }
        let registered = try parsedClients()
        if !listenHost.isLoopback {
            guard hostname != nil else {
                throw ValidationError("--host \(host) needs --hostname: the issuer must name an address clients reach")
            }
            guard !registered.contains(where: { $0.secret == RegisteredClient.default.secret }) else {
                throw ValidationError("--host \(host) needs --client-secret-file or --client with a secret of your own: mcp-secret is public")
            }
        }
    }

    func run() async throws {
        let signals = TerminationSignals()
        let configuration = IdPConfiguration(
            host: ListenHost(argument: host)!,
            publicOrigin: hostname,
            realm: realm,
            audiences: audiences.isEmpty ? [IdPConfiguration.defaultAudience] : audiences,
            clients: try parsedClients(),
            tokenLifetime: tokenLifetime
        )
        let state = IdPState(configuration: configuration, keys: try await SigningKeyRing.generate())
        let server = try await IdPServer.start(
            host: configuration.host.bindAddress, port: port, router: IdPRouter(state: state)
        )
        do {
            try ListeningAnnouncement(port: server.port, issuer: configuration.issuer(port: server.port))
                .publish(portFile: portFile)
        } catch {
            try? await server.shutdown()
            throw error
        }
        _ = await signals.wait()
        try await server.shutdown()
    }

    private func parsedClients() throws -> [RegisteredClient] {
        if let clientSecretFile {
            guard clients.isEmpty else { throw ValidationError("--client-secret-file and --client exclude each other") }
            return [RegisteredClient(id: RegisteredClient.default.id, secret: try secret(from: clientSecretFile),
                                     allowedScopes: RegisteredClient.defaultAllowedScopes)]
        }
        guard !clients.isEmpty else { return [.default] }
        do {
            var parsed: [RegisteredClient] = []
            for argument in clients {
                parsed.append(try RegisteredClient(argument: argument))
            }
            guard Set(parsed.map(\.id)).count == parsed.count else {
                throw ValidationError("--client ids must be unique")
            }
            return parsed
        } catch let error as ClientArgumentError {
            throw ValidationError(error.description)
        }
    }
}

/// A secret file's content without the line break it usually ends with, as Keycloak's
/// entrypoint and `$(<file)` read it.
private func secret(from path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw ValidationError("cannot read --client-secret-file \(path)")
    }
    let value = text.trimmingCharacters(in: .newlines)
    guard !value.isEmpty else { throw ValidationError("--client-secret-file \(path) is empty") }
    return value
}

extension IdentityProviderCommand {
    /// The entry point for main.swift. In top-level code the compiler picks ParsableCommand's
    /// synchronous `main()`, which refuses async commands; inside an async function the async
    /// overload wins.
    static func start() async {
        await main()
    }
}
