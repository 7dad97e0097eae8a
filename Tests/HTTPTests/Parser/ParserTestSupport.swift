@testable import HTTP

enum ParseOutcome {
    case incomplete
    case head(HTTPRequestHead, consumed: Int)
    case failed(HTTPParseError)

    var error: HTTPParseError? {
        if case .failed(let error) = self { return error }
        return nil
    }

    var head: HTTPRequestHead? {
        if case .head(let head, _) = self { return head }
        return nil
    }
}

/// Parses `bytes` as one request head, either at once or growing one byte at a time (which
/// must give the same answer: the parser resumes).
func parseHead(_ bytes: [UInt8], limits: HTTPServerConfiguration = HTTPServerConfiguration(), bytewise: Bool = false) -> ParseOutcome {
    var parser = HTTPHeadParser(limits: limits)
    let steps = bytewise ? Array(1...max(1, bytes.count)) : [bytes.count]
    for end in steps {
        do {
            let result = try bytes.withUnsafeBufferPointer { try parser.parse(UnsafeBufferPointer(rebasing: $0[0..<end])) }
            if case .complete(let consumed) = result { return .head(parser.head!, consumed: consumed) }
        } catch {
            return .failed(error as! HTTPParseError)
        }
    }
    return .incomplete
}

func parseHead(_ text: String, limits: HTTPServerConfiguration = HTTPServerConfiguration(), bytewise: Bool = false) -> ParseOutcome {
    parseHead(Array(text.utf8), limits: limits, bytewise: bytewise)
}

enum BodyOutcome: Equatable {
    case needMore([UInt8])
    case complete([UInt8], consumed: Int)
    case failed(HTTPParseError)
}

/// Decodes `bytes` with the given framing, in pieces of `step` bytes.
func decodeBody(_ bytes: [UInt8], framing: HTTPBodyFraming, limits: HTTPServerConfiguration = HTTPServerConfiguration(), step: Int? = nil) -> BodyOutcome {
    var body: [UInt8] = []
    do {
        var decoder = try HTTPBodyDecoder(framing: framing, limits: limits)
        var offset = 0
        let step = step ?? max(1, bytes.count)
        repeat {
            let end = min(bytes.count, offset + step)
            let result = try bytes.withUnsafeBufferPointer { try decoder.decode(UnsafeBufferPointer(rebasing: $0[offset..<end]), into: &body) }
            if case .complete(let consumed) = result { return .complete(body, consumed: offset + consumed) }
            offset = end
        } while offset < bytes.count
        return decoder.isComplete ? .complete(body, consumed: offset) : .needMore(body)
    } catch {
        return .failed(error as! HTTPParseError)
    }
}
