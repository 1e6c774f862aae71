// Written by Tests/Fuzzing/make_corpus.py together with the corpus, whose tokens these keys
// signed; do not edit. Public keys only: the private halves were never written down.
enum FixtureJWKS {
    static let keyIDs = ["rs256-key", "ps256-key", "es256-key", "eddsa-key"]
    static let document = #"""
{
  "keys": [
    {
      "alg": "RS256",
      "e": "AQAB",
      "kid": "rs256-key",
      "kty": "RSA",
      "n": "tHCoWP0s0kXxvnoJnW4JBwR-fpSeFFi96GcA7-HR7pHaNJ9EoWty2Prpu3016pmlf09VJM6R3SCrmBYqKIr8TbBsOFnz7ywPIexBpvPccfKvTou4UhP2kSPk98oiFRGLBKQNVcTRqowuhm0X6YZHGL_xHUdjJY94uShXWgb2ZqBPg-J0VuVVnOfzkmB1BanEbNxrR4qHdTdHZ5Cm4pSIv1B3v5WsHdkTM8OODsh6uBHnkGssreUJVShucyWLHeqoTX04iyAq4Mpob9nbLq7G4UnQmOun4jjvFI1N3e2zrcgO4YO8dH8gWUOOZRoqhEIJGZ1f22xev8pM1IY3unh7Xw",
      "use": "sig"
    },
    {
      "alg": "PS256",
      "e": "AQAB",
      "kid": "ps256-key",
      "kty": "RSA",
      "n": "zoAVYxEzmvcKhWgo1JbbvbXPQ2yQmllsEnjtUv5GJwTWSipaWDeSq-P43526H41ajg_7JjSEJgmBVfOAqvFx9cr24_ZvI6BhbcegrM2bBg9j_kQkooUrJQhVffpyP560zflK3gGiiv1MDoE6cNui8h2WR7cNbGVYJ_38MGFa_kqknYpokKNH16WReh_Jwt3F8-4KZP-AsHR3VVYs9-Qtt97Thp122CTrjBaP3kbDx2mHuyZFgRBKYXthC8V4xhSlKLU6CI0p-5kVqoxD0Oqtu6aeacDwjDVff2mbxrY685fbKMBLNhI1XeYhyS1iU1LVfKrnsoJLgxdIz1nk_m96DQ",
      "use": "sig"
    },
    {
      "alg": "ES256",
      "crv": "P-256",
      "kid": "es256-key",
      "kty": "EC",
      "use": "sig",
      "x": "blDtEhbunkJkYkN-W51-looNxmCYyd_6Hvs5OR9gU9o",
      "y": "Ch6KAf_A-GzSJHyS9eiN_U4UxZOqJ8T-mXX2GMHCnF8"
    },
    {
      "alg": "EdDSA",
      "crv": "Ed25519",
      "kid": "eddsa-key",
      "kty": "OKP",
      "use": "sig",
      "x": "NeT9OFJ1v_89_pE3gZJyLnxlJJqP188CkPCbAz5ONSc"
    }
  ]
}
"""#
    /// One valid token per algorithm.
    static let sampleTokens: [String: String] = [
        "RS256": "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzMjU2LWtleSIsInR5cCI6ImF0K2p3dCJ9.eyJhdWQiOlsiaHR0cHM6Ly9tY3AuZnV6ei50ZXN0L21jcCIsImFjY291bnQiXSwiYXpwIjoiZnV6ei1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly9hdXRoLmZ1enoudGVzdC9yZWFsbXMvbWNwIiwianRpIjoic2VlZC10b2tlbiIsInJlYWxtX2FjY2VzcyI6eyJyb2xlcyI6WyJvZmZsaW5lX2FjY2VzcyIsIm1jcDpyZWFkIl19LCJzY29wZSI6Im9wZW5pZCBtY3A6cmVhZCBtY3A6d3JpdGUgbWNwOmluZmVyIiwic3ViIjoiZnV6ei11c2VyIiwidHlwIjoiQmVhcmVyIn0.kCjaoNSUzhDT04zyhsaqrl21T5eC-OcfYGC86zI6XN-BKa_k5s74PP72BumI3tWwzoqW5I8dbNSIYge4LS_DLGT_q2o-4G1Q7g6BohOZZNLsUn3kKyU3RvdilYhCReTJ57SvE9T1aJTnY4ITd6McOk--BabHJP0oMwFxtdCEDUgHcr6Tq_XPSb4K209u8hdXdsWyvbwWtnOj4g89ZSYSyDeYhmKcRbhFE7xdZscI46qoaTaAzJ9BXk0k8W0FQOJh99I15F0BXZna8v7JtrY7nWTv1dnJAQoCtz2lCxV7jFg_96HFFh5a5OdpGVRQCD46At4jEn03EAtv3Wh9Vi6jVw",
        "PS256": "eyJhbGciOiJQUzI1NiIsImtpZCI6InBzMjU2LWtleSIsInR5cCI6ImF0K2p3dCJ9.eyJhdWQiOlsiaHR0cHM6Ly9tY3AuZnV6ei50ZXN0L21jcCIsImFjY291bnQiXSwiYXpwIjoiZnV6ei1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly9hdXRoLmZ1enoudGVzdC9yZWFsbXMvbWNwIiwianRpIjoic2VlZC10b2tlbiIsInJlYWxtX2FjY2VzcyI6eyJyb2xlcyI6WyJvZmZsaW5lX2FjY2VzcyIsIm1jcDpyZWFkIl19LCJzY29wZSI6Im9wZW5pZCBtY3A6cmVhZCBtY3A6d3JpdGUgbWNwOmluZmVyIiwic3ViIjoiZnV6ei11c2VyIiwidHlwIjoiQmVhcmVyIn0.ZBd1v2bFj3n-NCtTaEeqA4PZQbO6JwocOpmYw5d7FLV-0QVKyXZfEFPUszhZNOgEmHI9ahpMPtaPrAagNl8MadIgxjzSgFTphgrSc9cQziv-njumaNh37ChzvbES8J0N5JoBlMVXsRqryC0mwL-SU8EBlFIXCd6lteN3yvFEM563z0rVsEqZ_J3xjIxnLRnPwQtgdiMhbBCFjir2fZF8FHyU4iqIfg_QaORfPB6O7ghTnvLQxtKvDTY4ykJA6ziuwKQYyrKDpQm0RhDrt76dWVJANsoOJol5V0X4RV8HBAyAFjX1p4cJMsSupaa_kiqgBz7rFDL9yJct9WcTaUHeYw",
        "ES256": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVzMjU2LWtleSIsInR5cCI6ImF0K2p3dCJ9.eyJhdWQiOlsiaHR0cHM6Ly9tY3AuZnV6ei50ZXN0L21jcCIsImFjY291bnQiXSwiYXpwIjoiZnV6ei1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly9hdXRoLmZ1enoudGVzdC9yZWFsbXMvbWNwIiwianRpIjoic2VlZC10b2tlbiIsInJlYWxtX2FjY2VzcyI6eyJyb2xlcyI6WyJvZmZsaW5lX2FjY2VzcyIsIm1jcDpyZWFkIl19LCJzY29wZSI6Im9wZW5pZCBtY3A6cmVhZCBtY3A6d3JpdGUgbWNwOmluZmVyIiwic3ViIjoiZnV6ei11c2VyIiwidHlwIjoiQmVhcmVyIn0.QnA4uqHlBRQO-3EY5AB0BLs2qU1TrSRGkuHfG6ks_nu7pH6CQBeJJeWStLMAFq44NiQqzz-j8Dhm9NCSvvwsNA",
        "EdDSA": "eyJhbGciOiJFZERTQSIsImtpZCI6ImVkZHNhLWtleSIsInR5cCI6ImF0K2p3dCJ9.eyJhdWQiOlsiaHR0cHM6Ly9tY3AuZnV6ei50ZXN0L21jcCIsImFjY291bnQiXSwiYXpwIjoiZnV6ei1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly9hdXRoLmZ1enoudGVzdC9yZWFsbXMvbWNwIiwianRpIjoic2VlZC10b2tlbiIsInJlYWxtX2FjY2VzcyI6eyJyb2xlcyI6WyJvZmZsaW5lX2FjY2VzcyIsIm1jcDpyZWFkIl19LCJzY29wZSI6Im9wZW5pZCBtY3A6cmVhZCBtY3A6d3JpdGUgbWNwOmluZmVyIiwic3ViIjoiZnV6ei11c2VyIiwidHlwIjoiQmVhcmVyIn0.-vAnvzQuoX_Y0kkeTpSUg3wNANhulJejWdGoguAy9z7p9i2Ey5EkvBNjMaP6R-8fPPPT-hONnWzTQnKcptSXDw",
    ]
    /// A valid token with every scope: the JSON-RPC target's caller.
    static let callerToken = "eyJhbGciOiJFZERTQSIsImtpZCI6ImVkZHNhLWtleSIsInR5cCI6ImF0K2p3dCJ9.eyJhdWQiOlsiaHR0cHM6Ly9tY3AuZnV6ei50ZXN0L21jcCIsImFjY291bnQiXSwiYXpwIjoiZnV6ei1jbGllbnQiLCJleHAiOjQxMDI0NDQ4MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiaHR0cHM6Ly9hdXRoLmZ1enoudGVzdC9yZWFsbXMvbWNwIiwianRpIjoic2VlZC10b2tlbiIsInJlYWxtX2FjY2VzcyI6eyJyb2xlcyI6WyJvZmZsaW5lX2FjY2VzcyIsIm1jcDpyZWFkIl19LCJzY29wZSI6Im9wZW5pZCBtY3A6cmVhZCBtY3A6d3JpdGUgbWNwOmluZmVyIiwic3ViIjoiZnV6ei11c2VyIiwidHlwIjoiQmVhcmVyIn0.-vAnvzQuoX_Y0kkeTpSUg3wNANhulJejWdGoguAy9z7p9i2Ey5EkvBNjMaP6R-8fPPPT-hONnWzTQnKcptSXDw"
}
