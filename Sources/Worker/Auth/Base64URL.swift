import ExtrasBase64

/// Unpadded base64url (RFC 7515 §2), the only encoding JWS compact serialization allows.
func base64URLDecode(_ text: some StringProtocol) throws -> [UInt8] {
    try Base64.decode(bytes: Array(text.utf8), options: [.base64UrlAlphabet, .omitPaddingCharacter])
}

func base64URLDecode(_ bytes: ArraySlice<UInt8>) throws -> [UInt8] {
    try Base64.decode(bytes: bytes, options: [.base64UrlAlphabet, .omitPaddingCharacter])
}
