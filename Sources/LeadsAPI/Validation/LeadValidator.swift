/// The rules of contract §6 on a parsed body, in Laravel's order and wording.
public enum LeadValidator {
    public enum Mode { case create, update }

    /// Field order of the rules; `labels.N` sorts after `labels` by index.
    static let fieldOrder = [
        "title", "description", "amount", "currency", "expected_close", "person_id", "organization_id",
        "lead_source_id", "pipeline_stage_id", "user_owner_id", "labels",
    ]

    public static func order(of path: String) -> (Int, Int) {
        if path.hasPrefix("labels.") { return (fieldOrder.count, Int(path.dropFirst(7)) ?? 0) }
        return (fieldOrder.firstIndex(of: path) ?? fieldOrder.count + 1, -1)
    }

    /// A trimmed string; an empty one counts as null (Laravel's TrimStrings and
    /// ConvertEmptyStringsToNull middleware). Trimming takes what PHP's trim() takes.
    static func normalized(_ value: JSONValue?) -> JSONValue? {
        guard case .string(let text)? = value else { return value }
        let trimmed = trim(text)
        return trimmed.isEmpty ? .null : .string(trimmed)
    }

    static func trim(_ text: String) -> String {
        let strip: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\0", "\u{0B}"]
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !strip.contains($0) }),
              let end = scalars.lastIndex(where: { !strip.contains($0) }) else { return "" }
        return String(scalars[start...end])
    }

    /// PostgreSQL text cannot hold NUL; such a string is refused as not a string.
    static func isStorableString(_ text: String) -> Bool { !text.utf8.contains(0) }

    public static func validate(_ body: JSONObject, mode: Mode) -> (LeadInput, ValidationErrors) {
        var input = LeadInput()
        var errors = ValidationErrors()

        // title: required (on update: only when present), string, max:255
        let title = normalized(body["title"])
        if mode == .create || title != nil {
            switch title {
            case nil, .null?:
                errors.add("title", ValidationMessage.required("title"))
            case .array(let items)? where items.isEmpty:
                errors.add("title", ValidationMessage.required("title"))
            case .string(let text)? where isStorableString(text):
                if text.unicodeScalars.count > 255 {
                    errors.add("title", ValidationMessage.maxCharacters("title", 255))
                } else {
                    input.title = .value(text)
                }
            default:
                errors.add("title", ValidationMessage.string("title"))
            }
        }

        // description: nullable, string
        switch normalized(body["description"]) {
        case nil: break
        case .null?: input.description = .null
        case .string(let text)? where isStorableString(text): input.description = .value(text)
        default: errors.add("description", ValidationMessage.string("description"))
        }

        // amount: nullable, numeric, min:0, decimal:0,2, fits the column
        switch normalized(body["amount"]) {
        case nil: break
        case .null?: input.amountCents = .null
        case .number(let text)?: applyAmount(AmountRule.cents(text, source: .jsonNumber, path: "amount"), &input, &errors)
        case .string(let text)?: applyAmount(AmountRule.cents(text, source: .string, path: "amount"), &input, &errors)
        default:
            errors.add("amount", ValidationMessage.numeric("amount"))
            errors.add("amount", ValidationMessage.decimal("amount", "0-2"))
        }

        // currency: nullable, string, size:3; null means USD
        switch normalized(body["currency"]) {
        case nil: break
        case .null?: input.currency = .null
        case .string(let text)? where isStorableString(text):
            if text.unicodeScalars.count == 3 {
                input.currency = .value(text)
            } else {
                errors.add("currency", ValidationMessage.sizeCharacters("currency", 3))
            }
        default: errors.add("currency", ValidationMessage.string("currency"))
        }

        // expected_close: nullable, date_format:Y-m-d\TH:i:sP
        switch normalized(body["expected_close"]) {
        case nil: break
        case .null?: input.expectedClose = .null
        case .string(let text)?:
            if let utc = DateTimeRule.utcTimestamp(text) {
                input.expectedClose = .value(utc)
            } else {
                errors.add("expected_close", ValidationMessage.dateFormat("expected_close", DateTimeRule.format))
            }
        default: errors.add("expected_close", ValidationMessage.dateFormat("expected_close", DateTimeRule.format))
        }

        input.personID = uuidField("person_id", body, &errors)
        input.organizationID = uuidField("organization_id", body, &errors)
        input.leadSourceID = uuidField("lead_source_id", body, &errors)
        input.pipelineStageID = uuidField("pipeline_stage_id", body, &errors)

        // user_owner_id: nullable, integer
        switch normalized(body["user_owner_id"]) {
        case nil: break
        case .null?: input.userOwnerID = .null
        case .number(let text)?:
            if let id = IntegerRule.value(ofNumber: text) { input.userOwnerID = .value(id) } else {
                errors.add("user_owner_id", ValidationMessage.integer("user_owner_id"))
            }
        case .string(let text)?:
            if let id = IntegerRule.value(ofString: text) { input.userOwnerID = .value(id) } else {
                errors.add("user_owner_id", ValidationMessage.integer("user_owner_id"))
            }
        default: errors.add("user_owner_id", ValidationMessage.integer("user_owner_id"))
        }

        // labels: nullable, array; labels.*: uuid
        switch normalized(body["labels"]) {
        case nil: break
        case .null?: input.labels = .null
        case .array(let items)?:
            var ids: [String] = []
            var valid = true
            for (index, item) in items.enumerated() {
                if case .string(let text)? = normalized(item), UUIDRule.isValid(text) {
                    ids.append(text)
                    input.labelsToCheck.append(text)
                } else {
                    input.labelsToCheck.append(nil)
                    valid = false
                    errors.add("labels.\(index)", ValidationMessage.uuid("labels.\(index)"))
                }
            }
            if valid { input.labels = .value(ids) }
        default: errors.add("labels", ValidationMessage.array("labels"))
        }
        return (input, errors)
    }

    private static func applyAmount(_ outcome: AmountRule.Outcome, _ input: inout LeadInput, _ errors: inout ValidationErrors) {
        switch outcome {
        case .cents(let cents): input.amountCents = .value(cents)
        case .failed(let messages): for message in messages { errors.add("amount", message) }
        }
    }

    private static func uuidField(_ name: String, _ body: JSONObject, _ errors: inout ValidationErrors) -> Field<String> {
        switch normalized(body[name]) {
        case nil: return .absent
        case .null?: return .null
        case .string(let text)? where UUIDRule.isValid(text): return .value(text)
        default:
            errors.add(name, ValidationMessage.uuid(name))
            return .absent
        }
    }

    /// The "exists" messages for references that named no live row. Fields that already
    /// failed were never resolved, so their check is skipped as the contract says.
    public static func existsErrors(_ input: LeadInput, _ resolved: ResolvedReferences) -> ValidationErrors {
        var errors = ValidationErrors()
        if input.personID.value != nil, !resolved.personFound { errors.add("person_id", ValidationMessage.exists("person_id")) }
        if input.organizationID.value != nil, !resolved.organizationFound {
            errors.add("organization_id", ValidationMessage.exists("organization_id"))
        }
        if input.leadSourceID.value != nil, !resolved.leadSourceFound {
            errors.add("lead_source_id", ValidationMessage.exists("lead_source_id"))
        }
        if input.pipelineStageID.value != nil, !resolved.pipelineStageFound {
            errors.add("pipeline_stage_id", ValidationMessage.exists("pipeline_stage_id"))
        }
        if input.userOwnerID.value != nil, !resolved.userOwnerFound {
            errors.add("user_owner_id", ValidationMessage.exists("user_owner_id"))
        }
        for (index, id) in input.labelsToCheck.enumerated() {
            if let id, !resolved.liveLabels.contains(id) {
                errors.add("labels.\(index)", ValidationMessage.exists("labels.\(index)"))
            }
        }
        return errors
    }
}
