import HTTP
import Postgres

/// The five lead endpoints after routing and admission: lead lookup (404) → body
/// (400/413/415) → validation (422) → ability (403) → the change, as contract §8 orders.
///
/// Lives on the worker's serial queue with the runner it uses.
final class LeadsController {
    /// What every handler knows once the gate admitted the request.
    struct Context {
        let request: HTTPRequest
        let user: AuthenticatedUser
        /// Teams mode's scope; nil = unscoped (teams mode is off).
        let team: Int64?
        let respond: (HTTPResponse) -> Void
    }

    private let statements: LeadStatements
    private let runner: StatementRunner
    private let maxBodyBytes: Int
    private let names: StoredNames
    /// Told when a lead about to be served holds a name this worker cannot decrypt for want
    /// of a key (that lead is answered 503, never with the ciphertext).
    private let ciphertextFound: (StoredNames.Column) -> Void

    init(statements: LeadStatements, runner: StatementRunner, maxBodyBytes: Int, names: StoredNames,
         ciphertextFound: @escaping (StoredNames.Column) -> Void) {
        self.statements = statements
        self.runner = runner
        self.maxBodyBytes = maxBodyBytes
        self.names = names
        self.ciphertextFound = ciphertextFound
    }

    /// `{"data": Lead}` with `status`, or 503 when a name is ciphertext and no key is configured.
    private func respondLead(_ status: Int, _ row: [PostgresCell], _ context: Context) {
        do throws(StoredNames.CiphertextWithoutKey) {
            context.respond(.json(status, try LeadResource.document(row, names: names)))
        } catch {
            refuse(error, context)
        }
    }

    private func refuse(_ ciphertext: StoredNames.CiphertextWithoutKey, _ context: Context) {
        ciphertextFound(ciphertext.column)
        context.respond(APIResponses.unavailable())
    }

    /// A read the gate already sent in its round trip, and what it answered.
    struct Prefetched {
        let batch: QueryBatch
        let result: Result<[QueryResult], PostgresError>
    }

    private func run(_ queries: [Query], readOnly: Bool, _ context: Context, then: @escaping ([QueryResult]) -> Void) {
        run(QueryBatch(queries, isReadOnly: readOnly), context, then: then)
    }

    /// Runs a batch; database failures are answered here, successes go to `then`. When the
    /// batch already ran (with the gate, or with the number claim), `prefetched` is its result.
    private func run(_ batch: QueryBatch, prefetched: Result<[QueryResult], PostgresError>? = nil,
                     _ context: Context, then: @escaping ([QueryResult]) -> Void) {
        let expected = batch.queries.count
        let answer: (Result<[QueryResult], PostgresError>) -> Void = { result in
            switch result {
            case .failure(let error):
                context.respond(APIResponses.databaseFailure(error))
            case .success(let results):
                guard results.count == expected else { context.respond(APIResponses.serverError()); return }
                then(results)
            }
        }
        if let prefetched {
            answer(prefetched)
        } else {
            runner.run(batch, completion: answer)
        }
    }

    // MARK: Reads that can travel with the gate

    /// The read a show will run, so the gate can send it in its own round trip; nil when the
    /// show needs no read (a malformed UUID is a 404 without one).
    func showRead(_ uuid: String, team: Int64?) -> QueryBatch? {
        guard UUIDRule.isValid(uuid) else { return nil }
        return QueryBatch([Query(statements.show, [uuid, LeadParameters.int(team)])], isReadOnly: true)
    }

    /// A list request read once, before admission: the gate carries `read`, and `list` answers
    /// from the same parse.
    struct ListRequest {
        let query: QueryString
        let parameters: Result<ListParameters, ListParameters.Failure>
        /// The statements of the page and its total; nil when the query string is invalid
        /// (422 without a read).
        let read: QueryBatch?
    }

    func listRequest(_ request: HTTPRequest, team: Int64?) -> ListRequest {
        let query = QueryString(request.query)
        let parameters = ListParameters.parse(query)
        let read = (try? parameters.get()).flatMap { listRead($0, team: team) }
        return ListRequest(query: query, parameters: parameters, read: read)
    }

    private func listRead(_ parameters: ListParameters, team: Int64?) -> QueryBatch? {
        let key = LeadStatements.ListKey(sort: parameters.sort, byOwner: parameters.userOwnerID != nil, byTeam: team != nil)
        guard let listStatement = statements.list[key] else { return nil }
        let owner = LeadParameters.int(parameters.userOwnerID)
        let teamParameter = LeadParameters.int(team)
        return QueryBatch([
            Query(statements.count, [owner, teamParameter]),
            Query(listStatement, [owner, teamParameter, String(parameters.perPage), String(parameters.offset)]),
        ], isReadOnly: true)
    }

    // MARK: GET leads

    func list(_ list: ListRequest, _ context: Context, prefetched: Result<[QueryResult], PostgresError>? = nil) {
        let query = list.query
        let parameters: ListParameters
        switch list.parameters {
        case .failure:
            var errors = ValidationErrors()
            errors.add("user_owner_id", ValidationMessage.integer("user_owner_id"))
            context.respond(APIResponses.validation(errors))
            return
        case .success(let parsed):
            parameters = parsed
        }
        guard context.user.may(.view) else { context.respond(APIResponses.unauthorized()); return }
        guard let read = list.read else { context.respond(APIResponses.serverError()); return }
        run(read, prefetched: prefetched, context) { results in
            guard let total = results[0].rows.first?.first?.int else { context.respond(APIResponses.serverError()); return }
            let rows = results[1].rows
            guard rows.allSatisfy(LeadResource.isLeadRow) else { context.respond(APIResponses.serverError()); return }
            let envelope = PaginatorEnvelope(
                path: context.request.scheme + "://" + context.request.host + context.request.path,
                query: query, currentPage: parameters.page, perPage: parameters.perPage,
                total: total, itemCount: rows.count, offset: parameters.offset)
            var writer = JSONWriter(capacity: 1024 + rows.count * 700)
            do throws(StoredNames.CiphertextWithoutKey) {
                try envelope.write(items: { writer throws(StoredNames.CiphertextWithoutKey) in
                    for row in rows { try LeadResource.write(row, names: self.names, into: &writer) }
                }, into: &writer)
            } catch {
                self.refuse(error, context)
                return
            }
            context.respond(.json(200, writer.bytes))
        }
    }

    // MARK: GET leads/{uuid}

    func show(_ uuid: String, _ context: Context, prefetched: Prefetched? = nil) {
        // The gate's read when it ran one: the statement is not built a second time.
        guard let read = prefetched?.batch ?? showRead(uuid, team: context.team) else {
            context.respond(APIResponses.leadNotFound())
            return
        }
        run(read, prefetched: prefetched?.result, context) { results in
            guard let row = results[0].rows.first else { context.respond(APIResponses.leadNotFound()); return }
            guard LeadResource.isLeadRow(row) else { context.respond(APIResponses.serverError()); return }
            guard context.user.may(.view) else { context.respond(APIResponses.unauthorized()); return }
            self.respondLead(200, row, context)
        }
    }

    // MARK: POST leads

    func create(_ context: Context, attempt: Int = 1) {
        let body: JSONObject
        switch RequestBody.object(of: context.request, maxBytes: maxBodyBytes) {
        case .failure(let failure): context.respond(APIResponses.body(failure)); return
        case .success(let object): body = object
        }
        let (input, errors) = LeadValidator.validate(body, mode: .create)
        let allowed = context.user.may(.create)
        guard errors.isEmpty, allowed else {
            // The whole validation (exists checks included) comes before the ability check.
            completeValidation(input, errors, leadUUID: nil, context) {
                context.respond(APIResponses.unauthorized())
            }
            return
        }
        let externalID = SecureRandom.uuidV4()
        let claim = QueryBatch([Query(statements.claimNumber, [externalID])], isReadOnly: false, awaitsDurableCommit: false)
        let write = LeadParameters.isBare(input)
            ? Query(statements.createBare, LeadParameters.createBare(input, externalID: externalID, userID: context.user.userID, team: context.team))
            : Query(statements.create, LeadParameters.create(input, externalID: externalID, userID: context.user.userID, team: context.team))
        let batch = QueryBatch([write], isReadOnly: false)
        // Two transactions in one round trip: the number claim, then the create. Should the
        // claim fail, the full create numbers the lead itself (holding the counter to its
        // commit); the bare one writes nothing, and the create starts once more.
        runner.run(together: [claim, batch]) { [self] results in
            guard results.count == 2 else { context.respond(APIResponses.serverError()); return }
            run(batch, prefetched: results[1], context) { results in
                self.created(results, input, attempt: attempt, context)
            }
        }
    }

    private func created(_ results: [QueryResult], _ input: LeadInput, attempt: Int, _ context: Context) {
        if let row = results[0].rows.first, row.first?.int == 1 {
            let lead = Array(row.dropFirst())
            guard LeadResource.isLeadRow(lead) else { context.respond(APIResponses.serverError()); return }
            respondLead(201, lead, context)
            return
        }
        // Nothing was written: a reference died between validation and the write, or a bare
        // create found no claimed number. Validation runs again, then one more attempt.
        afterLostRace(input, leadUUID: nil, attempt: attempt, context) { self.create(context, attempt: attempt + 1) }
    }

    // MARK: PUT/PATCH leads/{uuid}

    func update(_ uuid: String, _ context: Context, attempt: Int = 1) {
        guard UUIDRule.isValid(uuid) else { context.respond(APIResponses.leadNotFound()); return }
        let body = RequestBody.object(of: context.request, maxBytes: maxBodyBytes)
        var input = LeadInput()
        var errors = ValidationErrors()
        if case .success(let object) = body { (input, errors) = LeadValidator.validate(object, mode: .update) }
        if case .success = body, errors.isEmpty, context.user.may(.edit) {
            // Fast path: the write itself reports a missing lead or a dead reference.
            write(uuid, input, context, attempt: attempt)
            return
        }
        // Slow path: the lead lookup must decide 404 before any body or validation answer,
        // and the exists checks before the ability check. One statement does both.
        let parameters = LeadParameters.resolve(input, leadUUID: uuid, team: context.team)
        run([Query(statements.resolve, parameters)], readOnly: true, context) { results in
            guard let (resolved, leadFound) = LeadParameters.resolved(results[0]) else {
                context.respond(APIResponses.serverError())
                return
            }
            guard leadFound else { context.respond(APIResponses.leadNotFound()); return }
            if case .failure(let failure) = body { context.respond(APIResponses.body(failure)); return }
            var all = errors
            all.merge(LeadValidator.existsErrors(input, resolved), order: LeadValidator.order(of:))
            guard all.isEmpty else { context.respond(APIResponses.validation(all)); return }
            guard context.user.may(.edit) else { context.respond(APIResponses.unauthorized()); return }
            self.write(uuid, input, context, attempt: attempt)
        }
    }

    private func write(_ uuid: String, _ input: LeadInput, _ context: Context, attempt: Int) {
        var queries = [
            Query(statements.update, LeadParameters.update(input, leadUUID: uuid, userID: context.user.userID, team: context.team)),
            Query(statements.show, [uuid, LeadParameters.int(context.team)]),
        ]
        // Replacing labels: lock the lead first, in a statement of its own (see LeadStatements.lock).
        let locks = input.labels.isPresent ? 1 : 0
        if locks == 1 { queries.insert(Query(statements.lock, [uuid, LeadParameters.int(context.team)]), at: 0) }
        run(queries, readOnly: false, context) { [self] results in
            let counts = results[locks].rows.first
            guard counts?[0].int == 1 else { context.respond(APIResponses.leadNotFound()); return }
            if counts?[1].int == 1, let row = results[locks + 1].rows.first, LeadResource.isLeadRow(row) {
                self.respondLead(200, row, context)
                return
            }
            self.afterLostRace(input, leadUUID: uuid, attempt: attempt, context) { self.update(uuid, context, attempt: attempt + 1) }
        }
    }

    // MARK: DELETE leads/{uuid}

    func delete(_ uuid: String, _ context: Context) {
        guard UUIDRule.isValid(uuid) else { context.respond(APIResponses.leadNotFound()); return }
        let team = LeadParameters.int(context.team)
        guard context.user.may(.delete) else {
            let parameters = LeadParameters.resolve(LeadInput(), leadUUID: uuid, team: context.team)
            run([Query(statements.resolve, parameters)], readOnly: true, context) { results in
                let found = LeadParameters.resolved(results[0])?.leadFound ?? false
                context.respond(found ? APIResponses.unauthorized() : APIResponses.leadNotFound())
            }
            return
        }
        run([Query(statements.delete, [uuid, LeadParameters.int(context.user.userID), team])], readOnly: false, context) { results in
            context.respond(results[0].rows.isEmpty ? APIResponses.leadNotFound() : HTTPResponse(status: 204))
        }
    }

    // MARK: Validation against live rows

    /// Adds the "exists" messages (one statement for all references) and answers 422 when
    /// anything failed; otherwise hands the outcome on.
    private func completeValidation(_ input: LeadInput, _ errors: ValidationErrors, leadUUID: String?, _ context: Context,
                                    valid: @escaping () -> Void) {
        guard LeadParameters.hasReferences(input) else {
            if errors.isEmpty { valid() } else { context.respond(APIResponses.validation(errors)) }
            return
        }
        let parameters = LeadParameters.resolve(input, leadUUID: leadUUID, team: context.team)
        run([Query(statements.resolve, parameters)], readOnly: true, context) { results in
            guard let (resolved, _) = LeadParameters.resolved(results[0]) else { context.respond(APIResponses.serverError()); return }
            var all = errors
            all.merge(LeadValidator.existsErrors(input, resolved), order: LeadValidator.order(of:))
            if all.isEmpty { valid() } else { context.respond(APIResponses.validation(all)) }
        }
    }

    /// The write found a reference gone that validation had seen: answer 422 with the
    /// fresh state, or try once more if everything exists again.
    private func afterLostRace(_ input: LeadInput, leadUUID: String?, attempt: Int, _ context: Context,
                               retry: @escaping () -> Void) {
        completeValidation(input, ValidationErrors(), leadUUID: leadUUID, context) {
            if attempt < 2 { retry() } else { context.respond(APIResponses.unavailable()) }
        }
    }
}
