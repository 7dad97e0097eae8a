import Foundation
@testable import LeadsAPI
import TestSupport
import XCTest

/// Laravel Encrypter payloads made by Python's `cryptography` (TestSupport.LaravelCiphertext),
/// decrypted by leadsd's OpenSSL code: contract §2c.
final class LaravelEncrypterTests: XCTestCase {
    private let key = LaravelCiphertext.newKey()

    private func encrypter(_ keys: [[UInt8]]) throws -> LaravelEncrypter {
        LaravelEncrypter(keys: try LaravelKeys(keys: keys.map(LaravelCiphertext.appKey), source: "APP_KEY", previousKeys: nil))
    }

    private func decrypt(_ stored: String, with keys: [[UInt8]]) throws -> String? {
        try encrypter(keys).decrypt(Array(stored.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    private let names = ["Jane", "José Müller-Lüdenscheidt", "山田 太郎", "Zoë 👩🏽‍💻", "", "a \"quoted\"; s:3:\"x\";", String(repeating: "x", count: 400)]

    func testCBCPayloadsDecrypt() throws {
        let stored = try LaravelCiphertext.encrypt(names, key: key, mode: .cbc)
        for (name, value) in zip(names, stored) {
            XCTAssertTrue(value.hasPrefix("eyJpdiI6"), value)
            XCTAssertEqual(try decrypt(value, with: [key]), name)
        }
    }

    func testGCMPayloadsDecrypt() throws {
        let stored = try LaravelCiphertext.encrypt(names, key: key, mode: .gcm)
        for (name, value) in zip(names, stored) {
            XCTAssertEqual(try decrypt(value, with: [key]), name)
        }
    }

    func testAES128KeysDecryptBothModes() throws {
        let short = LaravelCiphertext.newKey(bytes: 16)
        for mode in [LaravelCiphertext.Mode.cbc, .gcm] {
            let stored = try LaravelCiphertext.encrypt(["Ann Lee"], key: short, mode: mode)[0]
            XCTAssertEqual(try decrypt(stored, with: [short]), "Ann Lee", "\(mode)")
        }
    }

    func testAPreviousKeyDecrypts() throws {
        let old = LaravelCiphertext.newKey(), older = LaravelCiphertext.newKey()
        for mode in [LaravelCiphertext.Mode.cbc, .gcm] {
            let stored = try LaravelCiphertext.encrypt(["Old Name"], key: older, mode: mode)[0]
            XCTAssertEqual(try decrypt(stored, with: [key, old, older]), "Old Name", "\(mode)")
            XCTAssertNil(try decrypt(stored, with: [key, old]), "\(mode)")
        }
    }

    func testAWrongKeyDoesNotDecrypt() throws {
        for mode in [LaravelCiphertext.Mode.cbc, .gcm] {
            let stored = try LaravelCiphertext.encrypt(["Jane"], key: LaravelCiphertext.newKey(), mode: mode)[0]
            XCTAssertNil(try decrypt(stored, with: [key]), "\(mode)")
        }
    }

    func testAWrongMACIsRefusedEvenWithTheRightKey() throws {
        let stored = try LaravelCiphertext.encrypt(["Jane"], key: key, mode: .cbc, variant: .wrongMAC)[0]
        XCTAssertNil(try decrypt(stored, with: [key]))
    }

    func testTamperedCiphertextIsRefused() throws {
        // CBC: the MAC no longer matches; GCM: the tag does not.
        for mode in [LaravelCiphertext.Mode.cbc, .gcm] {
            let stored = try LaravelCiphertext.encrypt(["Jane"], key: key, mode: mode, variant: .tamperedValue)[0]
            XCTAssertNil(try decrypt(stored, with: [key]), "\(mode)")
        }
    }

    func testEscapedSlashesInTheJSONStillDecrypt() throws {
        let stored = try LaravelCiphertext.encrypt(Array(repeating: "Slash Test", count: 8), key: key, variant: .escapedSlashes)
        let escaped = stored.filter { String(decoding: Data(base64Encoded: $0) ?? Data(), as: UTF8.self).contains(#"\/"#) }
        XCTAssertFalse(escaped.isEmpty, "no payload had a / to escape")
        for value in escaped { XCTAssertEqual(try decrypt(value, with: [key]), "Slash Test") }
    }

    /// Laravel CRM reads with decrypt() (unserialize); an encryptString() value fails there.
    func testAValueEncryptedWithoutSerializationIsNotAName() throws {
        let stored = try LaravelCiphertext.encrypt(["Jane"], key: key, variant: .unserialized)[0]
        XCTAssertNil(try decrypt(stored, with: [key]))
    }

    func testWhatIsNotAPayloadIsNotDecrypted() throws {
        let notJSON = Data("hello there".utf8).base64EncodedString()
        let noMAC = Data(#"{"iv":"AAAAAAAAAAAAAAAAAAAAAA==","value":"AAAA"}"#.utf8).base64EncodedString()
        let macNotString = Data(#"{"iv":"AAAAAAAAAAAAAAAAAAAAAA==","value":"AAAA","mac":1}"#.utf8).base64EncodedString()
        let array = Data(#"["iv","value","mac"]"#.utf8).base64EncodedString()
        let good = try LaravelCiphertext.encrypt(["Jane"], key: key)[0]
        let broken = String(good.dropLast(3)) + "!!!"
        for value in ["Jane", "", "eyJpdiI6", "eyJpdiI6 not base64", broken, notJSON, noMAC, macNotString, array] {
            XCTAssertNil(try decrypt(value, with: [key]), value)
            XCTAssertNil(LaravelPayload(stored: Array(value.utf8)), value)
        }
        XCTAssertNotNil(LaravelPayload(stored: Array(good.utf8)))
    }

    /// JSON that Laravel does not write but PHP's json_decode reads (spaces, \u escapes, other
    /// members) is read too, by the general parser.
    func testOtherwiseWrittenJSONStillDecrypts() throws {
        let good = try LaravelCiphertext.encrypt(["Jane"], key: key)[0]
        let json = String(decoding: try XCTUnwrap(Data(base64Encoded: good)), as: UTF8.self)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        let value = try XCTUnwrap(object["value"])
        let escaped = "\\u00" + String(format: "%02x", value.utf8.first!) + value.dropFirst()
        let variants = [
            json.replacingOccurrences(of: ",", with: " ,\n ").replacingOccurrences(of: ":", with: " : "),
            json.replacingOccurrences(of: "\"value\":\"\(value)\"", with: "\"value\":\"\(escaped)\""),
            json.replacingOccurrences(of: "{", with: #"{"extra":[1,{"a":null}],"#),
            json.replacingOccurrences(of: "\"tag\":\"\"", with: "\"tag\":null"),
            json.replacingOccurrences(of: ",\"tag\":\"\"", with: ""),
        ]
        // Laravel's own JSON takes the short path; escapes and nested values the parser.
        XCTAssertEqual(LaravelPayload.flatMembers(Array(json.utf8))?.map { String(decoding: $0.key, as: UTF8.self) }, ["iv", "value", "mac", "tag"])
        XCTAssertNil(LaravelPayload.flatMembers(Array(variants[1].utf8)))
        XCTAssertNil(LaravelPayload.flatMembers(Array(variants[2].utf8)))
        XCTAssertNotNil(LaravelPayload.flatMembers(Array(variants[0].utf8)))
        for variant in variants {
            XCTAssertNotEqual(variant, json)
            XCTAssertEqual(try decrypt(Data(variant.utf8).base64EncodedString(), with: [key]), "Jane", variant)
        }
        XCTAssertNil(try decrypt(Data(json.replacingOccurrences(of: "\"tag\":\"\"", with: "\"tag\":5").utf8).base64EncodedString(), with: [key]))
    }

    func testAPayloadWithTheWrongIVLengthIsRefused() throws {
        // A CBC payload re-labelled as GCM by adding a tag: the 16-byte IV is not GCM's.
        let good = try LaravelCiphertext.encrypt(["Jane"], key: key)[0]
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: XCTUnwrap(Data(base64Encoded: good))) as? [String: String])
        json["tag"] = Data(repeating: 0, count: 16).base64EncodedString()
        let relabelled = try JSONSerialization.data(withJSONObject: json).base64EncodedString()
        XCTAssertNil(try decrypt(relabelled, with: [key]))
    }
}

final class LaravelKeysTests: XCTestCase {
    func testTheBase64FormAndTheRawForm() throws {
        let key = LaravelCiphertext.newKey()
        XCTAssertEqual(try LaravelKeys(key: LaravelCiphertext.appKey(key)).all, [key])
        // Laravel uses a key without the prefix as the raw key text.
        XCTAssertEqual(try LaravelKeys(key: "0123456789abcdef0123456789abcdef").all, [Array("0123456789abcdef0123456789abcdef".utf8)])
        XCTAssertEqual(try LaravelKeys(key: "0123456789abcdef").keyLength, 16)
    }

    func testPreviousKeysAreSplitAsLaravelSplitsThem() throws {
        let keys = (0..<3).map { _ in LaravelCiphertext.newKey() }
        let previous = ",\(LaravelCiphertext.appKey(keys[1])),,\(LaravelCiphertext.appKey(keys[2])),"
        XCTAssertEqual(try LaravelKeys(key: LaravelCiphertext.appKey(keys[0]), previousKeys: previous).all, keys)
        XCTAssertEqual(LaravelKeys.previousKeys("a, b"), ["a", " b"])
    }

    func testBadKeysAreRefusedWithoutShowingThem() {
        let secret = "base64:" + Data(repeating: 7, count: 24).base64EncodedString()
        let good = LaravelCiphertext.appKey(LaravelCiphertext.newKey())
        let short = LaravelCiphertext.appKey(LaravelCiphertext.newKey(bytes: 16))
        let cases: [(String, String?, String)] = [
            (secret, nil, "APP_KEY: the key is 24 bytes"),
            ("base64:not base64!", nil, "APP_KEY: what follows 'base64:' is not base64"),
            ("base64:", nil, "APP_KEY: the key is 0 bytes"),
            ("short", nil, "APP_KEY: the key is 5 bytes"),
            (good, "\(good), \(good)", "APP_PREVIOUS_KEYS (key 2): the key is 52 bytes"),
            (good, short, "APP_PREVIOUS_KEYS (key 1): 16 bytes, but APP_KEY has 32"),
        ]
        for (key, previous, expected) in cases {
            XCTAssertThrowsError(try LaravelKeys(key: key, previousKeys: previous)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(expected), text)
                XCTAssertFalse(text.contains(key.dropFirst(7)) && key.count > 7, text)
            }
        }
    }

    func testTheDescriptionShowsNoKeyMaterial() throws {
        let text = LaravelCiphertext.appKey(LaravelCiphertext.newKey())
        let keys = try LaravelKeys(key: text, previousKeys: text)
        XCTAssertEqual("\(keys)", "2 keys of 32 bytes")
        XCTAssertFalse(String(reflecting: keys).contains(text.dropFirst(7)))
    }
}

final class LaravelPrimitivesTests: XCTestCase {
    func testBase64AgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Data(bytes).base64EncodedString()
            XCTAssertEqual(Base64.decode(Array(text.utf8)), bytes, text)
            XCTAssertEqual(Base64.decode(Array(text.utf8.filter { $0 != UInt8(ascii: "=") })), bytes, "unpadded \(text)")
        }
        for bad in ["A", "AB=", "A===", "AB C", "AB-_", "ABC=D", "====", "AB\n=="] {
            XCTAssertNil(Base64.decode(Array(bad.utf8)), bad)
        }
    }

    func testPHPSerializedStrings() {
        func unserialize(_ text: String) -> String? {
            PHPSerializedString.unserialize(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
        }
        XCTAssertEqual(unserialize(#"s:4:"Jane";"#), "Jane")
        XCTAssertEqual(unserialize(#"s:0:"";"#), "")
        XCTAssertEqual(unserialize(#"s:4:"Zoë";"#), "Zoë")  // the length counts bytes
        XCTAssertNil(unserialize(#"s:3:"Zoë";"#))
        XCTAssertEqual(unserialize(#"s:3:"a";";"#), #"a";"#)
        for bad in [#"s:3:"Jane";"#, #"s:5:"Jane";"#, #"s:4:"Jane";x"#, #"s:4:"Jane""#, #"s:-4:"Jane";"#, #"s::"";"#,
                    "i:5;", "b:1;", "N;", #"a:1:{i:0;s:1:"x";}"#, "Jane", #"S:4:"Jane";"#] {
            XCTAssertNil(unserialize(bad), bad)
        }
    }

    func testPHPTrim() {
        func trimmed(_ text: String) -> String { String(decoding: StoredNames.phpTrimmed(Array(text.utf8)), as: UTF8.self) }
        XCTAssertEqual(trimmed("  Jane Doe \t\n\r\u{0B}\u{00}"), "Jane Doe")
        XCTAssertEqual(trimmed("Jane   Doe"), "Jane   Doe")
        XCTAssertEqual(trimmed(" \t "), "")
        XCTAssertEqual(trimmed("\u{A0}Jane\u{A0}"), "\u{A0}Jane\u{A0}")  // PHP's trim is byte-wise ASCII
    }
}

final class StoredNamesTests: XCTestCase {
    private func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    func testAPersonsNameIsFirstSpaceLastTrimmed() throws {
        let names = StoredNames(encrypter: nil)
        XCTAssertEqual(text(try names.person(first: Array("Ann".utf8), last: nil)), "Ann")
        XCTAssertEqual(text(try names.person(first: Array("Ann".utf8), last: [])), "Ann")
        XCTAssertEqual(text(try names.person(first: [], last: Array("Lee".utf8))), "Lee")
        XCTAssertEqual(text(try names.person(first: Array("\tAnn ".utf8), last: Array(" Lee\n".utf8))), "Ann   Lee")
        XCTAssertEqual(text(try names.person(first: nil, last: nil)), "")
        XCTAssertNil(try names.organization(nil))
    }

    func testWithAKeyPayloadsAreDecryptedAndTheRestServedAsStored() throws {
        let key = LaravelCiphertext.newKey()
        let names = StoredNames(encrypter: LaravelEncrypter(keys: try LaravelKeys(key: LaravelCiphertext.appKey(key))))
        let stored = try LaravelCiphertext.encrypt(["Jane", "Doe", "Acme Co"], key: key)
        let foreign = try LaravelCiphertext.encrypt(["Other"], key: LaravelCiphertext.newKey())[0]
        XCTAssertEqual(text(try names.person(first: Array(stored[0].utf8), last: Array(stored[1].utf8))), "Jane Doe")
        XCTAssertEqual(text(try names.person(first: Array(stored[0].utf8), last: Array("Plain".utf8))), "Jane Plain")
        XCTAssertEqual(text(try names.organization(Array(stored[2].utf8))), "Acme Co")
        XCTAssertEqual(text(try names.organization(Array(foreign.utf8))), foreign)
    }

    func testWithoutAKeyAPayloadIsRefusedNamingItsColumn() throws {
        let stored = try LaravelCiphertext.encrypt(["Jane"], key: LaravelCiphertext.newKey())[0]
        let names = StoredNames(encrypter: nil)
        XCTAssertThrowsError(try names.person(first: Array("Ann".utf8), last: Array(stored.utf8))) { error in
            XCTAssertEqual((error as? StoredNames.CiphertextWithoutKey)?.column, .personLastName)
        }
        XCTAssertThrowsError(try names.organization(Array(stored.utf8))) { error in
            XCTAssertEqual((error as? StoredNames.CiphertextWithoutKey)?.column.qualified(tablePrefix: "crm_"), "crm_organizations.name")
        }
        // Text that only looks like the start of a payload is a name like any other.
        XCTAssertEqual(text(try names.organization(Array("eyJpdiI6 Holdings".utf8))), "eyJpdiI6 Holdings")
    }
}
