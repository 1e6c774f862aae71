import ExtrasBase64

/// Unpadded base64url (RFC 7515 §2), the only encoding JWS compact serialization allows.
func base64URLDecode(_ text: some StringProtocol) throws -> [UInt8] {
    try Base64.decode(bytes: Array(text.utf8), options: [.base64UrlAlphabet, .omitPaddingCharacter])
}

func base64URLDecode(_ bytes: ArraySlice<UInt8>) throws -> [UInt8] {
    try Base64.decode(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
}

func base64URLEncode(_ bytes: [UInt8]) -> String {
    Base64.encodeToString(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
}

/// The one spelling of these bytes (RFC 7515 §2): no padding, no whitespace and no stray bits
/// in the last character, so a token has exactly one form and `token + "=="` is another token
/// (and refused). Decoders are lenient about all three.
func base64URLDecodeCanonical(_ bytes: ArraySlice<UInt8>) throws(NonCanonicalBase64) -> [UInt8] {
    guard bytes.count % 4 != 1, !bytes.contains(UInt8(ascii: "=")), let decoded = try? base64URLDecode(bytes) else {
        throw NonCanonicalBase64()
    }
    // Stray bits: only the last character may carry bits the decoder drops.
    guard let last = bytes.last, unusedBitsAreZero(last, remainder: bytes.count % 4) else { throw NonCanonicalBase64() }
    return decoded
}

struct NonCanonicalBase64: Error {}

/// With 2 (or 3) characters in the last group, the last one carries 4 (or 2) unused low bits.
private func unusedBitsAreZero(_ character: UInt8, remainder: Int) -> Bool {
    guard remainder != 0 else { return true }
    guard let value = base64URLValue(character) else { return false }
    let unusedMask: UInt8 = remainder == 2 ? 0x0F : 0x03
    return value & unusedMask == 0
}

private func base64URLValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
    case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
    case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
    case UInt8(ascii: "-"): 62
    case UInt8(ascii: "_"): 63
    default: nil
    }
}
