import CCurl

/// `HTTPFetching` on top of libcurl's easy interface.
///
/// Every call creates, uses and destroys its own easy handle, so a fetcher can be shared freely between
/// threads; nothing is shared between calls except libcurl's process-wide initialisation.
///
/// Hardening, in order of application:
/// 1. The scheme is checked in Swift before libcurl sees the URL: `https` always, `http` only with
///    `allowInsecureHTTP`, everything else (`file`, `ftp`, `gopher`, ...) is refused.
/// 2. The URL is parsed once by libcurl's URL API (`curl_url`) and that parsed handle is what the transfer
///    uses (`CURLOPT_CURLU`), so the scheme and host we checked are the ones libcurl connects to; no parser
///    differential, no scheme guessing.
/// 3. `CURLOPT_PROTOCOLS_STR` / `CURLOPT_REDIR_PROTOCOLS_STR` restrict libcurl itself to the same schemes.
/// 4. Redirects are never followed. Identity-provider endpoints (JWKS URI, discovery document, introspection)
///    are configured by the operator and must answer directly; following a `Location` could hand key
///    material or a token request to wherever the redirect points (including plain HTTP or internal
///    addresses), so a 3xx is returned to the caller as an ordinary response.
/// 5. TLS peer and host verification are on (set explicitly), TLS 1.2 is the minimum version.
/// 6. No `Accept-Encoding` is sent and no decompression happens, so `maxBodyBytes` bounds the bytes on the
///    wire; the body is capped both through `CURLOPT_MAXFILESIZE` (rejects a too-large `Content-Length`
///    up front) and in the write callback (aborts a chunked or close-delimited body as soon as it crosses
///    the limit).
///
/// libcurl still honours the standard proxy environment variables (`https_proxy`, `no_proxy`, ...).
public struct CurlHTTPFetcher: HTTPFetching {
    public let policy: HTTPFetchPolicy

    public init(policy: HTTPFetchPolicy = HTTPFetchPolicy()) {
        self.policy = policy
    }

    public func get(url: String, accept: String? = nil) throws(HTTPFetchError) -> HTTPFetchResponse {
        try perform(url: url, accept: accept, post: nil)
    }

    public func post(
        url: String, contentType: String, body: [UInt8], accept: String? = nil
    ) throws(HTTPFetchError) -> HTTPFetchResponse {
        try perform(url: url, accept: accept, post: (contentType, body))
    }

    // MARK: - Transfer

    private func perform(
        url: String, accept: String?, post: (contentType: String, body: [UInt8])?
    ) throws(HTTPFetchError) -> HTTPFetchResponse {
        // Everything that can be rejected without libcurl is rejected first.
        try Self.checkScheme(url, allowInsecureHTTP: policy.allowInsecureHTTP)
        var headerLines: [String] = []
        if let accept, !accept.isEmpty {
            try Self.checkHeaderValue(accept, name: "Accept")
            headerLines.append("Accept: \(accept)")
        }
        if let post {
            try Self.checkHeaderValue(post.contentType, name: "Content-Type")
            headerLines.append("Content-Type: \(post.contentType)")
            // No "Expect: 100-continue" round trip for larger bodies.
            headerLines.append("Expect:")
        }
        try Self.checkHeaderValue(policy.userAgent, name: "User-Agent")

        try CurlGlobal.ensureInitialised()

        // The parsed URL; must outlive the easy handle that points at it.
        let parsed = try ParsedURL(url)
        defer { parsed.free() }
        let expectedScheme = policy.allowInsecureHTTP ? ["https", "http"] : ["https"]
        guard let scheme = parsed.scheme, expectedScheme.contains(scheme) else {
            // Swift and libcurl disagree about the scheme: refuse rather than guess.
            throw .invalidURL
        }
        guard let host = parsed.host, !host.isEmpty else { throw .invalidURL }

        var headers: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headers) }
        for line in headerLines {
            guard let appended = curl_slist_append(headers, line) else {
                throw .transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory")
            }
            headers = appended
        }

        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }

        guard let handle = curl_easy_init() else {
            throw .transport(code: Int(CURLE_FAILED_INIT.rawValue), message: "curl_easy_init failed")
        }
        // Declared after `errorBuffer`, `headers` and `parsed`, so it runs before their clean-up.
        defer { curl_easy_cleanup(handle) }

        let sink = ResponseSink(limit: max(0, policy.maxBodyBytes))
        let protocols = policy.allowInsecureHTTP ? "http,https" : "https"

        var setup = Setup(handle: handle)
        setup.pointer(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        setup.pointer(CURLOPT_CURLU, UnsafeMutableRawPointer(parsed.handle))
        setup.string(CURLOPT_PROTOCOLS_STR, protocols)
        setup.string(CURLOPT_REDIR_PROTOCOLS_STR, protocols)
        setup.long(CURLOPT_FOLLOWLOCATION, 0)
        setup.long(CURLOPT_MAXREDIRS, 0)
        setup.long(CURLOPT_NOSIGNAL, 1)
        setup.long(CURLOPT_TIMEOUT_MS, Self.milliseconds(policy.timeout))
        setup.long(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(policy.connectTimeout))
        setup.long(CURLOPT_SSL_VERIFYPEER, 1)
        setup.long(CURLOPT_SSL_VERIFYHOST, 2)
        setup.long(CURLOPT_SSLVERSION, Int(CURL_SSLVERSION_TLSv1_2))
        setup.string(CURLOPT_USERAGENT, policy.userAgent)
        setup.long(CURLOPT_NOPROGRESS, 1)
        if sink.limit > 0 {
            // 0 would mean "no limit" to libcurl; with a zero limit the write callback alone refuses any byte.
            setup.long(CURLOPT_MAXFILESIZE, sink.limit)
        }
        if headers != nil {
            setup.slist(CURLOPT_HTTPHEADER, headers)
        }
        setup.pointer(CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque())
        setup.writeFunction { data, size, count, userdata in
            guard let userdata else { return 0 }
            let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
            return sink.append(data, size: size, count: count)
        }
        if post != nil {
            setup.long(CURLOPT_POST, 1)
        } else {
            setup.long(CURLOPT_HTTPGET, 1)
        }
        if let failure = setup.failure {
            throw .transport(code: Int(failure.rawValue), message: Self.strerror(failure))
        }

        let code: CURLcode = withExtendedLifetime(sink) {
            guard let post else { return curl_easy_perform(handle) }
            // Never hand libcurl a NULL POSTFIELDS: with CURLOPT_POST and no fields it would read the
            // body from its default read callback (stdin).
            let bytes = post.body.isEmpty ? [0] : post.body
            return bytes.withUnsafeBufferPointer { buffer in
                var postSetup = Setup(handle: handle)
                postSetup.long(CURLOPT_POSTFIELDSIZE, post.body.count)
                postSetup.pointer(CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
                if let failure = postSetup.failure { return failure }
                return curl_easy_perform(handle)
            }
        }

        guard code == CURLE_OK else {
            throw Self.mapError(
                code, sink: sink,
                detail: String(cString: errorBuffer),
                secrets: parsed.credentials
            )
        }

        var status = 0
        _ = gh_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var contentTypePointer: UnsafeMutablePointer<CChar>? = nil
        var contentType: String? = nil
        if gh_curl_getinfo_string(handle, CURLINFO_CONTENT_TYPE, &contentTypePointer) == CURLE_OK,
           let contentTypePointer {
            // Owned by the easy handle: copy before clean-up.
            contentType = String(cString: contentTypePointer)
        }
        return HTTPFetchResponse(status: status, body: sink.body, contentType: contentType)
    }

    // MARK: - Checks

    /// Validates the URL's scheme from the raw string, before any parser runs.
    static func checkScheme(_ url: String, allowInsecureHTTP: Bool) throws(HTTPFetchError) {
        // Spaces and control characters (including NUL, which would silently truncate the C string) are never
        // valid in a URL; percent-encode them.
        guard !url.isEmpty, !url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw .invalidURL
        }
        guard let colon = url.utf8.firstIndex(of: UInt8(ascii: ":")) else { throw .invalidURL }
        let schemeBytes = url.utf8[..<colon]
        // RFC 3986: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        guard let first = schemeBytes.first, Self.isASCIILetter(first),
              schemeBytes.allSatisfy({ Self.isASCIILetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else {
            throw .invalidURL
        }
        let scheme = String(decoding: schemeBytes, as: UTF8.self).lowercased()
        switch scheme {
        case "https":
            break
        case "http":
            guard allowInsecureHTTP else { throw .insecureScheme(scheme) }
        default:
            throw .unsupportedScheme(String(scheme.prefix(32)))
        }
        // Both allowed schemes are hierarchical: require an authority.
        guard url.utf8[colon...].starts(with: "://".utf8) else { throw .invalidURL }
    }

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func checkHeaderValue(_ value: String, name: String) throws(HTTPFetchError) {
        // RFC 9110 field values: visible characters, spaces and tabs. CR/LF would allow header injection.
        guard !value.isEmpty, !value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
            throw .invalidHeader(name: name)
        }
    }

    /// A `Duration` as whole milliseconds for libcurl, rounded up and clamped to at least 1 ms
    /// (0 means "no timeout" to libcurl).
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard duration > .zero else { return 1 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        var milliseconds = attoseconds / attosecondsPerMillisecond
        if attoseconds % attosecondsPerMillisecond != 0 { milliseconds += 1 }
        let (scaled, overflow1) = seconds.multipliedReportingOverflow(by: 1000)
        let (total, overflow2) = scaled.addingReportingOverflow(milliseconds)
        if overflow1 || overflow2 { return Int(Int32.max) }
        return Int(clamping: max(1, total))
    }

    // MARK: - Errors

    private static func mapError(
        _ code: CURLcode, sink: ResponseSink, detail: String, secrets: [String]
    ) -> HTTPFetchError {
        if sink.exceededLimit || code == CURLE_FILESIZE_EXCEEDED {
            return .bodyTooLarge(limit: sink.limit)
        }
        let message = sanitise(detail.isEmpty ? strerror(code) : detail, secrets: secrets)
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectionFailed(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
             CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return .tlsFailure(message)
        case CURLE_URL_MALFORMAT:
            return .invalidURL
        default:
            return .transport(code: Int(code.rawValue), message: message)
        }
    }

    private static func strerror(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    /// One short line, no control characters, no URL credentials.
    private static func sanitise(_ message: String, secrets: [String]) -> String {
        var text = message
        for secret in secrets where !secret.isEmpty {
            text = text.replacing(secret, with: "***")
        }
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? " " : $0
        }))
        let trimmed = cleaned.trimmingASCIIWhitespace()
        return trimmed.count > 200 ? String(trimmed.prefix(200)) + "..." : trimmed
    }
}

// MARK: - Helpers

/// libcurl's process-wide initialisation, done exactly once (Swift runs `static let` initialisers once,
/// thread-safely) before the first easy handle is created.
private enum CurlGlobal {
    static let initResult: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    static func ensureInitialised() throws(HTTPFetchError) {
        let result = initResult
        guard result == CURLE_OK.rawValue else {
            throw .transport(code: Int(result), message: "curl_global_init failed")
        }
    }
}

/// Receives the response body from the write callback. Confined to the thread running `curl_easy_perform`.
private final class ResponseSink {
    let limit: Int
    private(set) var body: [UInt8] = []
    private(set) var exceededLimit = false

    init(limit: Int) {
        self.limit = limit
    }

    /// Returns the number of bytes consumed; anything else makes libcurl abort with `CURLE_WRITE_ERROR`.
    func append(_ data: UnsafeMutablePointer<CChar>?, size: Int, count: Int) -> Int {
        let (length, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow else {
            exceededLimit = true
            return 0
        }
        guard length > 0 else { return 0 }
        guard let data else { return 0 }
        guard length <= limit - body.count else {
            exceededLimit = true
            return 0
        }
        UnsafeRawPointer(data).withMemoryRebound(to: UInt8.self, capacity: length) {
            body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
        }
        return length
    }
}

/// Applies options, remembering the first failure.
private struct Setup {
    let handle: UnsafeMutableRawPointer
    private(set) var failure: CURLcode?

    init(handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    private mutating func record(_ code: CURLcode) {
        if failure == nil, code != CURLE_OK { failure = code }
    }

    mutating func long(_ option: CURLoption, _ value: Int) {
        record(gh_curl_setopt_long(handle, option, value))
    }

    mutating func string(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (CURLOPT_* STRINGPOINT), so the temporary C string may go away.
        record(value.withCString { gh_curl_setopt_string(handle, option, $0) })
    }

    mutating func pointer(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) {
        record(gh_curl_setopt_pointer(handle, option, value))
    }

    mutating func slist(_ option: CURLoption, _ list: UnsafeMutablePointer<curl_slist>?) {
        record(gh_curl_setopt_slist(handle, option, list))
    }

    mutating func writeFunction(
        _ function: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int
    ) {
        record(gh_curl_setopt_write_function(handle, function))
    }
}

/// A URL parsed by libcurl's URL API; the same handle is given to the transfer via `CURLOPT_CURLU`.
private struct ParsedURL {
    let handle: OpaquePointer

    init(_ url: String) throws(HTTPFetchError) {
        guard let handle = curl_url() else {
            throw .transport(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "out of memory")
        }
        // Flags 0: no scheme guessing, no default scheme, only schemes this libcurl supports.
        let result = url.withCString { curl_url_set(handle, CURLUPART_URL, $0, 0) }
        guard result == CURLUE_OK else {
            curl_url_cleanup(handle)
            throw .invalidURL
        }
        self.handle = handle
    }

    func free() {
        curl_url_cleanup(handle)
    }

    var scheme: String? { part(CURLUPART_SCHEME)?.lowercased() }
    var host: String? { part(CURLUPART_HOST) }
    /// The userinfo, as written and percent-decoded, for scrubbing error messages.
    var credentials: [String] {
        [CURLUPART_USER, CURLUPART_PASSWORD].flatMap { which in
            [part(which), part(which, flags: UInt32(CURLU_URLDECODE))].compactMap { $0 }
        }
    }

    private func part(_ which: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard curl_url_get(handle, which, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " { scalars.removeFirst() }
        while let last = scalars.last, last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
