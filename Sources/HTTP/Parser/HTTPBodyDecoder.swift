/// Incremental decoder of a request body delimited by Content-Length or chunked coding
/// (RFC 9112 §7.1). Strict CRLFs; chunk sizes are hex without sign or whitespace and
/// checked for overflow; chunk extensions are tolerated but counted against a limit;
/// trailer fields are checked for shape, limited and dropped. The decoded size is checked
/// against the body limit before the data of a chunk is read.
public struct HTTPBodyDecoder: Sendable {
    public enum Result: Equatable, Sendable {
        /// All input was consumed and more is needed.
        case needMore
        /// The body ended; `consumed` bytes of the input belonged to it.
        case complete(consumed: Int)
    }

    private enum State: Sendable, Equatable {
        case length(remaining: Int)
        case chunkSize(digits: Int, value: Int)
        case chunkExtension(value: Int)
        case chunkSizeLF(value: Int)
        case chunkData(remaining: Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLineStart
        case trailerLine(sawColon: Bool, nameLength: Int)
        case trailerLineLF
        case finalLF
        case done
    }

    private var state: State
    private let maxBodyBytes: Int
    private let maxExtensionBytes: Int
    private let maxTrailerBytes: Int
    private var extensionBytes = 0
    private var trailerBytes = 0
    /// Decoded body bytes so far.
    public private(set) var bodyBytes = 0

    static let maxChunkSizeDigits = 16

    public init(framing: HTTPBodyFraming, limits: HTTPServerConfiguration) throws(HTTPParseError) {
        maxBodyBytes = limits.maxBodyBytes
        maxExtensionBytes = limits.maxChunkExtensionBytes
        maxTrailerBytes = limits.maxTrailerBytes
        switch framing {
        case .none: state = .done
        case .length(let length):
            guard length <= limits.maxBodyBytes else { throw .payloadTooLarge }
            state = .length(remaining: length)
        case .chunked: state = .chunkSize(digits: 0, value: 0)
        }
    }

    public var isComplete: Bool { state == .done }

    /// Decodes from `input`, appending body bytes to `body`.
    public mutating func decode(_ input: UnsafeBufferPointer<UInt8>, into body: inout [UInt8]) throws(HTTPParseError) -> Result {
        var index = 0
        let count = input.count
        while true {
            if case .done = state { return .complete(consumed: index) }
            guard index < count else { return .needMore }
            switch state {
            case .length(let remaining):
                let take = min(remaining, count - index)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + take)]))
                index += take
                bodyBytes += take
                state = remaining == take ? .done : .length(remaining: remaining - take)

            case .chunkSize(let digits, let value):
                let byte = input[index]
                let digit = ByteClass.hexValue[Int(byte)]
                if digit >= 0 {
                    guard digits < Self.maxChunkSizeDigits else { throw .badRequest("chunk size too long") }
                    let (shifted, overflow) = value.multipliedReportingOverflow(by: 16)
                    guard !overflow else { throw .badRequest("chunk size overflow") }
                    state = .chunkSize(digits: digits + 1, value: shifted | Int(digit))
                    index += 1
                    continue
                }
                guard digits > 0 else { throw .badRequest("invalid chunk size") }
                let (total, overflow) = bodyBytes.addingReportingOverflow(value)
                guard !overflow, total <= maxBodyBytes else { throw .payloadTooLarge }
                switch byte {
                case ByteClass.cr: state = .chunkSizeLF(value: value)
                case UInt8(ascii: ";"), ByteClass.sp, ByteClass.htab: state = .chunkExtension(value: value)
                default: throw .badRequest("invalid chunk size")
                }
                index += 1

            case .chunkExtension(let value):
                let byte = input[index]
                index += 1
                if byte == ByteClass.cr {
                    state = .chunkSizeLF(value: value)
                    continue
                }
                guard ByteClass.fieldValue[Int(byte)] else { throw .badRequest("invalid chunk extension") }
                extensionBytes += 1
                guard extensionBytes <= maxExtensionBytes else { throw .badRequest("chunk extensions too long") }

            case .chunkSizeLF(let value):
                guard input[index] == ByteClass.lf else { throw .badRequest("bare CR after chunk size") }
                index += 1
                state = value == 0 ? .trailerLineStart : .chunkData(remaining: value)

            case .chunkData(let remaining):
                let take = min(remaining, count - index)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: input[index..<(index + take)]))
                index += take
                bodyBytes += take
                state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)

            case .chunkDataCR:
                guard input[index] == ByteClass.cr else { throw .badRequest("chunk data not followed by CRLF") }
                index += 1
                state = .chunkDataLF

            case .chunkDataLF:
                guard input[index] == ByteClass.lf else { throw .badRequest("chunk data not followed by CRLF") }
                index += 1
                state = .chunkSize(digits: 0, value: 0)

            case .trailerLineStart:
                let byte = input[index]
                index += 1
                if byte == ByteClass.cr {
                    state = .finalLF
                    continue
                }
                guard ByteClass.token[Int(byte)] else { throw .badRequest("invalid trailer field") }
                try countTrailerByte()
                state = .trailerLine(sawColon: false, nameLength: 1)

            case .trailerLine(let sawColon, let nameLength):
                let byte = input[index]
                index += 1
                if byte == ByteClass.cr {
                    guard sawColon else { throw .badRequest("invalid trailer field") }
                    state = .trailerLineLF
                    continue
                }
                try countTrailerByte()
                if sawColon {
                    guard ByteClass.fieldValue[Int(byte)] else { throw .badRequest("invalid trailer value") }
                } else if byte == UInt8(ascii: ":") {
                    state = .trailerLine(sawColon: true, nameLength: nameLength)
                } else {
                    guard ByteClass.token[Int(byte)] else { throw .badRequest("invalid trailer field") }
                    state = .trailerLine(sawColon: false, nameLength: nameLength + 1)
                }

            case .trailerLineLF:
                guard input[index] == ByteClass.lf else { throw .badRequest("bare CR in trailer") }
                index += 1
                state = .trailerLineStart

            case .finalLF:
                guard input[index] == ByteClass.lf else { throw .badRequest("bare CR after last chunk") }
                index += 1
                state = .done

            case .done:
                break
            }
        }
    }

    private mutating func countTrailerByte() throws(HTTPParseError) {
        trailerBytes += 1
        guard trailerBytes <= maxTrailerBytes else { throw .headerFieldsTooLarge }
    }
}
