import HTTP
@testable import LeadsAPI
import XCTest

/// Pure logic of tokens, headers, abilities and login bodies (no database).
final class AuthTokenParsingTests: XCTestCase {
    func testParseIDForm() {
        XCTAssertEqual(SanctumToken.parse("12|abc"), .withID(12, secret: "abc"))
        // Sanctum splits at the first `|` only: the secret may hold more.
        XCTAssertEqual(SanctumToken.parse("7|a|b"), .withID(7, secret: "a|b"))
    }

    func testParseBareForm() {
        XCTAssertEqual(SanctumToken.parse("plainlegacytoken"), .bare("plainlegacytoken"))
    }

    func testParseRefusesBadIDs() {
        for bad in ["|abc", "x|abc", "-1|abc", "0|abc", "1|", "99999999999999999999|abc", "1 |abc", ""] {
            XCTAssertNil(SanctumToken.parse(Substring(bad)), bad)
        }
        XCTAssertNil(SanctumToken.parse(Substring(String(repeating: "a", count: 513))))
    }

    func testHashIsSHA256Hex() {
        XCTAssertEqual(SanctumToken.hash(secret: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testNewSecretHasSanctumShape() {
        let secret = SanctumToken.newSecret()
        XCTAssertEqual(secret.utf8.count, 48)
        let random = secret.prefix(40)
        XCTAssertTrue(random.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) })
        XCTAssertEqual(String(secret.suffix(8)), CRC32.hex(random.utf8))
        XCTAssertNotEqual(SanctumToken.newSecret(), secret)
    }

    func testCRC32MatchesPHPCrc32b() {
        // The CRC-32 check value; PHP's hash('crc32b', '123456789') is the same.
        XCTAssertEqual(CRC32.hex("123456789".utf8), "cbf43926")
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(ConstantTime.equals("abc".utf8, "abc".utf8))
        XCTAssertFalse(ConstantTime.equals("abc".utf8, "abd".utf8))
        XCTAssertFalse(ConstantTime.equals("abc".utf8, "abcd".utf8))
    }

    func testBearerExtraction() {
        func headers(_ value: String?) -> HTTPHeaders {
            var h = HTTPHeaders()
            if let value { h.add("Authorization", value) }
            return h
        }
        XCTAssertEqual(BearerToken.extract(from: headers("Bearer 1|abc")), "1|abc")
        XCTAssertEqual(BearerToken.extract(from: headers("bearer   1|abc  ")), "1|abc")
        XCTAssertNil(BearerToken.extract(from: headers(nil)))
        XCTAssertNil(BearerToken.extract(from: headers("Basic dXNlcjpwYXNz")))
        XCTAssertNil(BearerToken.extract(from: headers("Bearer ")))
        XCTAssertNil(BearerToken.extract(from: headers("Bearer" + "x")))
        XCTAssertNil(BearerToken.extract(from: headers("Bearer " + String(repeating: "a", count: 600))))
    }

    func testAbilities() {
        XCTAssertNil(TokenAbilities.parse(nil))
        XCTAssertNil(TokenAbilities.parse("null"))
        XCTAssertNil(TokenAbilities.parse("[\"*\"]"))
        XCTAssertEqual(TokenAbilities.parse(" [ \"view crm leads\" , \"edit crm leads\" ] "), ["view crm leads", "edit crm leads"])
        XCTAssertEqual(TokenAbilities.parse("[\"view\\u0020crm leads\"]"), ["view crm leads"])
        XCTAssertEqual(TokenAbilities.parse("[]"), [])
        // Damaged text grants nothing.
        XCTAssertEqual(TokenAbilities.parse("[\"*\""), [])
        XCTAssertEqual(TokenAbilities.parse("{\"a\":1}"), [])
        XCTAssertEqual(TokenAbilities.parse("[1]"), [])

        let limited = AuthenticatedUser(userID: 1, name: "", email: "", crmAccess: true, tokenID: 1,
                                        abilities: TokenAbilities.parse("[\"view crm leads\"]"))
        XCTAssertTrue(limited.may(.view))
        XCTAssertFalse(limited.may(.create))
        XCTAssertFalse(limited.may(.delete))
        let all = AuthenticatedUser(userID: 1, name: "", email: "", crmAccess: true, tokenID: 1, abilities: nil)
        XCTAssertTrue(Ability.allCases.allSatisfy(all.may))
    }

    func testPasswordHasherVerifiesPHPHashes() {
        // The example of PHP's password_verify manual page ($2y$, cost 10).
        XCTAssertTrue(PasswordHasher.verify("rasmuslerdorf", hash: "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"))
        XCTAssertFalse(PasswordHasher.verify("rasmuslerdorF", hash: "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"))
        let made = PasswordHasher.hash("pw", cost: 4)!
        XCTAssertTrue(made.hasPrefix("$2y$04$"))
        XCTAssertTrue(PasswordHasher.verify("pw", hash: made))
        XCTAssertTrue(PasswordHasher.verify("pw", hash: "$2b$" + made.dropFirst(4)))
        XCTAssertFalse(PasswordHasher.verify("pw", hash: "plain"))
    }

    func testBcryptCostIsReadFromStoredHashes() {
        XCTAssertEqual(PasswordCheckQueue.cost(of: "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a"), 10)
        XCTAssertEqual(PasswordCheckQueue.cost(of: PasswordHasher.hash("x", cost: 5)!), 5)
        XCTAssertNil(PasswordCheckQueue.cost(of: "$argon2id$v=19$m=65536,t=4,p=1$abc"))
        // A stored value that is not bcrypt is checked against the decoy and never matches.
        XCTAssertFalse(PasswordCheckQueue.check("x", .stored("x"), decoyCost: 4))
        XCTAssertFalse(PasswordCheckQueue.check("x", .decoy, decoyCost: 4))
        XCTAssertTrue(PasswordCheckQueue.check("x", .stored(PasswordHasher.hash("x", cost: 4)!)))
        XCTAssertTrue(DecoyHashes.shared.hash(cost: 4).hasPrefix("$2y$04$"))
    }

    // MARK: login bodies

    private func validate(_ json: String) -> Result<LoginRequest, LoginRequest.Failure> {
        parse(AuthTestRequests.login(json))
    }

    private func parse(_ request: HTTPRequest, maxBytes: Int = 1 << 20) -> Result<LoginRequest, LoginRequest.Failure> {
        LoginRequest.parse(request, maxBytes: maxBytes)
    }

    func testLoginValid() {
        XCTAssertEqual(try validate("{\"email\":\" a@b.co \",\"password\":\" pw \",\"device_name\":\"cli\"}").get(),
                       LoginRequest(email: "a@b.co", password: " pw ", deviceName: "cli"))
        XCTAssertEqual(try validate("{\"email\":\"a@b.co\",\"password\":\"pw\",\"device_name\":\"\",\"x\":[1,{\"y\":null}]}").get(),
                       LoginRequest(email: "a@b.co", password: "pw", deviceName: nil))
    }

    func testLoginEmptyBodyIsRequiredErrors() {
        XCTAssertEqual(parse(AuthTestRequests.login(nil)),
                       .failure(.invalid([("email", ["The email field is required."]), ("password", ["The password field is required."])])))
        XCTAssertEqual(validate("{}"), parse(AuthTestRequests.login(nil)))
    }

    func testLoginFieldErrors() {
        XCTAssertEqual(validate("{\"email\":\"not-an-email\",\"password\":\"pw\"}"),
                       .failure(.invalid([("email", ["The email field must be a valid email address."])])))
        XCTAssertEqual(validate("{\"email\":5,\"password\":\"   \"}"),
                       .failure(.invalid([("email", ["The email field must be a valid email address."]),
                                          ("password", ["The password field is required."])])))
        XCTAssertEqual(validate("{\"email\":\"a@b.co\",\"password\":[\"x\"],\"device_name\":7}"),
                       .failure(.invalid([("password", ["The password field must be a string."]),
                                          ("device_name", ["The device name field must be a string."])])))
        XCTAssertEqual(validate("{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":\"\(String(repeating: "é", count: 256))\"}"),
                       .failure(.invalid([("device_name", ["The device name field must not be greater than 255 characters."])])))
        // NUL inside the name cannot be stored (found by schemathesis: it was a database error);
        // at either end it is trimmed away, as Laravel's trim() does.
        XCTAssertEqual(validate("{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":\"a\\u0000b\"}"),
                       .failure(.invalid([("device_name", ["The device name field must be a string."])])))
        XCTAssertEqual(try validate("{\"email\":\"a@b.co\",\"password\":\"p\",\"device_name\":\"\\u0000cli\\u0000\"}").get().deviceName, "cli")
    }

    func testLoginMalformedAndMediaType() {
        for bad in ["{", "[]", "\"x\"", "{\"email\":}", "{\"a\":01}", "{\"a\":\"\u{01}\"}", "{} x", "{\"a\":tru}"] {
            XCTAssertEqual(validate(bad), .failure(.body(.malformed)), bad)
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertEqual(validate("{\"a\":\(deep)}"), .failure(.body(.malformed)))
        XCTAssertEqual(parse(AuthTestRequests.login("email=a", contentType: "application/x-www-form-urlencoded")),
                       .failure(.body(.unsupportedMediaType)))
        XCTAssertNotEqual(parse(AuthTestRequests.login("{}", contentType: "application/vnd.api+json; charset=utf-8")),
                          .failure(.body(.unsupportedMediaType)))
        XCTAssertEqual(parse(AuthTestRequests.login("{\"email\":\"a@b.co\"}"), maxBytes: 10), .failure(.body(.tooLarge)))
    }

    /// The login and the lead writes judge a body by one rule (contract §4): the same media
    /// types, blank bodies and malformed JSON give the same answer on both.
    func testLoginBodyRulesAreTheWritesRules() {
        let types: [String?] = [nil, "application/json", "Application/JSON; charset=utf-8", "application/vnd.api+json",
                                "/x+json", "x+json", "text/plain", "application/json-patch", " application/json "]
        let bodies = ["", " \r\n", "{}", "[]", "{", "{\"a\":1}"]
        for type in types {
            for body in bodies {
                let request = AuthTestRequests.login(body, contentType: type)
                let write = RequestBody.object(of: request, maxBytes: 1 << 20)
                let login = parse(request)
                switch (write, login) {
                case (.failure(let a), .failure(.body(let b))): XCTAssertEqual(a, b, "\(type ?? "none") \(body)")
                case (.success, .failure(.invalid)), (.success, .success): break
                default: XCTFail("\(type ?? "none") \(body): write \(write), login \(login)")
                }
            }
        }
        XCTAssertEqual(parse(AuthTestRequests.login("{}", contentType: "/x+json")), .failure(.body(.unsupportedMediaType)))
    }

    func testValidationEnvelope() {
        let response = ValidationResponse.make([("email", ["A."]), ("password", ["B.", "C."])], route: nil)
        XCTAssertEqual(response.status, 422)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       "{\"message\":\"A. (and 2 more errors)\",\"errors\":{\"email\":[\"A.\"],\"password\":[\"B.\",\"C.\"]}}")
        let one = ValidationResponse.make([("email", ["A."]), ("password", ["B."])], route: nil)
        XCTAssertTrue(String(decoding: one.body, as: UTF8.self).hasPrefix("{\"message\":\"A. (and 1 more error)\""))
    }
}
