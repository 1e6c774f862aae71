/// Defence in depth: code never logs a token on purpose, but if a JWT-shaped string reaches a
/// log line anyway (an echoed header, a library's error text) it is replaced before writing.
///
/// Scans UTF-8 bytes: it runs on every string of every log line, so it must cost next to
/// nothing when there is nothing to redact.
public enum SecretRedactor {
    public static let replacement = "[redacted]"

    public static func redact(_ text: String) -> String {
        let bytes = text.utf8
        // Every JWS/JWE starts with a base64url JSON header: `{"` encodes to `eyJ`.
        guard bytes.count >= 3, mayContainHeader(bytes), let first = findHeader(in: bytes, from: bytes.startIndex) else {
            return text
        }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var cursor = bytes.startIndex
        var next: String.UTF8View.Index? = first
        while let start = next {
            result.append(contentsOf: bytes[cursor..<start])
            let end = bytes[start...].firstIndex(where: { !isTokenByte($0) }) ?? bytes.endIndex
            let candidate = bytes[start..<end]
            if candidate.contains(UInt8(ascii: ".")) {
                result.append(contentsOf: replacement.utf8)
            } else {
                result.append(contentsOf: candidate)
            }
            cursor = end
            next = findHeader(in: bytes, from: end)
        }
        result.append(contentsOf: bytes[cursor...])
        return String(decoding: result, as: UTF8.self)
    }

    /// A tight scan of contiguous bytes for `eyJ`; nil (a bridged string) means look closer.
    private static func mayContainHeader(_ bytes: String.UTF8View) -> Bool {
        bytes.withContiguousStorageIfAvailable { buffer in
            guard buffer.count >= 3 else { return false }
            for index in 0..<(buffer.count - 2)
            where buffer[index] == UInt8(ascii: "e") && buffer[index + 1] == UInt8(ascii: "y") && buffer[index + 2] == UInt8(ascii: "J") {
                return true
            }
            return false
        } ?? true
    }

    private static func findHeader(in bytes: String.UTF8View, from start: String.UTF8View.Index) -> String.UTF8View.Index? {
        var index = start
        while let e = bytes[index...].firstIndex(of: UInt8(ascii: "e")) {
            let rest = bytes[e...]
            if rest.starts(with: "eyJ".utf8) { return e }
            index = bytes.index(after: e)
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
