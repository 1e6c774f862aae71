import Foundation
import MCP
import Testing

@testable import Worker

/// The one-pass reader must refuse every document Foundation's parser refused (it replaced
/// `JSONDecoder` on the envelope, the JOSE header and the claims), and read the rest the same.
@Suite struct JSONReaderTests {
    private func readerAccepts(_ json: String) -> Bool {
        (try? JSONReader.read(Array(json.utf8)) { reader throws(JSONReadError) in try reader.skipValue() }) != nil
    }

    private func foundationAccepts(_ json: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])) != nil
    }

    static let documents = [
        #"{}"#, #"[]"#, #""""#, #"0"#, #"-0"#, #"1.5e-3"#, #"true"#, #"null"#, #" {"a" : [1, 2, {"b": null}] } "#,
        #"{"a":"\u00e9\n\"\\\/"}"#, #"{"😀":"\ud83d\ude00"}"#, #"[1E+2, -0.0, 10]"#,
        // Refused:
        #""#, #" "#, #"{"#, #"{"a"}"#, #"{"a":}"#, #"[,1]"#, #"{a:1}"#, #"{'a':1}"#,
        #"01"#, #"-"#, #"1."#, #".5"#, #"1e"#, #"+1"#, #"0x10"#, #"NaN"#, #"Infinity"#, #"tru"#, #"nul"#,
        #"{"a":1} x"#, #"[1] [2]"#, #""\x""#, #""\u12""#, #""abc"#, "\"a\u{01}b\"", #"// c"#, #"[1 2]"#,
    ]

    @Test(arguments: documents)
    func agreesWithFoundationOnWhatIsJSON(_ json: String) {
        #expect(readerAccepts(json) == foundationAccepts(json), "\(json)")
    }

    /// Stricter than Foundation on purpose: RFC 8259 has no trailing commas (Foundation takes
    /// them; the token check before it did not), and text that is not Unicode never reaches a
    /// tool or a claim.
    @Test(arguments: [#"{"a":1,}"#, #"[1,]"#, #""\ud800""#, #""\udc00""#, #""\ud800x""#])
    func refusedWhereFoundationIsLenient(_ json: String) {
        #expect(!readerAccepts(json))
    }

    @Test(arguments: [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22]] as [[UInt8]])
    func invalidUTF8IsRefused(_ bytes: [UInt8]) {
        #expect((try? JSONReader.read(bytes) { reader throws(JSONReadError) in try reader.skipValue() }) == nil)
    }

    @Test func numbersAreIntegersWhenAnIntHoldsThemExactly() throws {
        func value(_ json: String) -> Value? { PlainJSONValue.decode(Array(json.utf8)) }
        #expect(value("7") == .int(7))
        #expect(value("7.0") == .int(7))
        #expect(value("7e2") == .int(700))
        #expect(value("-0") == .int(0))
        #expect(value("1.5") == .double(1.5))
        #expect(value("99999999999999999999") == .double(1e20))
        #expect(value("1e400") == nil)
        #expect(value(#"{"a":[1e400]}"#) == nil)
    }

    @Test func aRepeatedNameIsFoundPastThePairwiseLimit() {
        let members = (0..<100).map { #""m\#($0)":\#($0)"# }
        let unique = "{" + members.joined(separator: ",") + "}"
        let repeated = "{" + members.joined(separator: ",") + #","\u006d7":1}"#
        #expect((try? TokenClaims(json: Array(unique.utf8))) != nil)
        #expect(throws: JSONReadError.duplicateMember) { try TokenClaims(json: Array(repeated.utf8)) }
    }

    @Test func claimsOfTheWrongTypeAreRefusedAndNullIsAbsent() throws {
        #expect(throws: JSONReadError.unexpectedType) { try TokenClaims(json: Array(#"{"iss":1}"#.utf8)) }
        #expect(throws: JSONReadError.unexpectedType) { try TokenClaims(json: Array(#"{"exp":"1"}"#.utf8)) }
        #expect(throws: JSONReadError.unexpectedType) { try TokenClaims(json: Array(#"{"aud":["a",1]}"#.utf8)) }
        #expect(throws: JSONReadError.unexpectedType) { try TokenClaims(json: Array(#"{"realm_access":[]}"#.utf8)) }
        #expect(throws: JSONReadError.unexpectedType) { try TokenClaims(json: Array(#"[]"#.utf8)) }
        let claims = try TokenClaims(json: Array(#"{"iss":null,"aud":["a","b"],"exp":1.7e9,"realm_access":{"roles":["r"],"x":1},"\u0073cope":"s"}"#.utf8))
        #expect(claims.iss == nil)
        #expect(claims.aud == .many(["a", "b"]))
        #expect(claims.exp == 1.7e9)
        #expect(claims.realm_access?.roles == ["r"])
        #expect(claims.scope == "s")
    }

    @Test func headerMembersAreReadAndCritIsNoticedWhateverItHolds() throws {
        let header = try JOSEHeader(json: Array(#"{"alg":"RS256","kid":"k","typ":null,"crit":null,"jku":"https://x"}"#.utf8))
        #expect(header.alg == "RS256" && header.kid == "k" && header.typ == nil && header.hasCriticalMember)
        #expect(throws: JSONReadError.unexpectedType) { try JOSEHeader(json: Array(#"{"alg":256}"#.utf8)) }
    }

    @Test func theEnvelopeNamesWhatTheTopLevelIs() {
        func error(_ json: String) -> String? {
            if case .failure(let error) = JSONRPCEnvelope.read(Array(json.utf8)) { return error.message }
            return nil
        }
        #expect(error("[1]") == "Invalid request: batch requests are not supported")
        #expect(error("42") == "Invalid request: a JSON-RPC message must be a JSON object")
        #expect(error("[1,") == "Parse error: the body is not valid JSON")
        #expect(error(#"{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":}}"#) == "Parse error: the body is not valid JSON")
        #expect(error(#"{"jsonrpc":"2.0","id":1,"method":"x"}"#) == nil)
    }

    @Test(arguments: [("1", true), ("1.0", true), ("\"a\"", true), ("1.5", false), ("true", false), ("{}", false)])
    func idsAreStringsOrWholeNumbers(_ id: String, _ valid: Bool) throws {
        let envelope = try JSONRPCEnvelope.read(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"ping"}"#.utf8)).get()
        if valid {
            guard case .request = envelope.kind else { Issue.record("\(id): \(envelope.kind)"); return }
        } else {
            #expect(envelope.kind == .invalid("id must be a string or a number"))
        }
    }
}
