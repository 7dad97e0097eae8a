import Postgres

/// Every SQL text the lead endpoints run. Parameters only; the one thing interpolated is the
/// operator's table prefix, checked to be an identifier fragment when configured.
///
/// Every lead statement takes a team scope parameter (NULL = no scope) so teams mode can
/// scope queries without new statements.
public struct LeadStatements: Sendable {
    public let show: PreparedStatement
    public let count: PreparedStatement
    /// The page of a list, per sort and per filter shape (see `ListKey`).
    public let list: [ListKey: PreparedStatement]

    /// Which of the list's filters are given. Each shape has its own statement whose WHERE
    /// names only the given filters: PostgreSQL switches a prepared statement to a generic
    /// plan, and a generic plan of `($1 IS NULL OR user_owner_id = $1)` cannot use the sort's
    /// index, so it read and sorted every live lead. An absent filter is still a parameter
    /// (`$1::bigint IS NULL`, a one-time filter), so every shape takes the same parameters.
    public struct ListKey: Hashable, Sendable {
        public var sort: ListParameters.Sort
        public var byOwner: Bool
        public var byTeam: Bool

        public init(sort: ListParameters.Sort, byOwner: Bool, byTeam: Bool) {
            self.sort = sort
            self.byOwner = byOwner
            self.byTeam = byTeam
        }

        static let all: [ListKey] = ListParameters.Sort.all.flatMap { sort in
            [(false, false), (true, false), (false, true), (true, true)].map { ListKey(sort: sort, byOwner: $0.0, byTeam: $0.1) }
        }
    }
    public let resolve: PreparedStatement
    public let create: PreparedStatement
    /// `create` for a body that names no reference and no label: see `LeadParameters.isBare`.
    public let createBare: PreparedStatement
    public let claimNumber: PreparedStatement
    public let update: PreparedStatement
    public let lock: PreparedStatement
    public let delete: PreparedStatement

    /// The polymorphic type Laravel CRM stores for a lead's labels.
    static let labelableType = #"E'VentureDrake\\LaravelCrm\\Models\\Lead'"#

    public init(tablePrefix prefix: String) {
        precondition(Self.prefixProblem(prefix) == nil, "table prefix: \(Self.prefixProblem(prefix) ?? "")")
        let p = prefix
        let now = "(now() AT TIME ZONE 'UTC')"

        func timestamp(_ column: String) -> String {
            #"to_char(\#(column), 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"#
        }
        // The column order LeadResource reads; `source` is the leads table or a page of it.
        // Names come as stored: they may be encrypted (StoredNames joins and decrypts them).
        // A lead's labels, as linked in the table.
        let linkedLabels = """
            SELECT DISTINCT lab.id, lab.external_id, lab.name
                      FROM \(p)labelables AS ll JOIN \(p)labels AS lab ON lab.id = ll.label_id AND lab.deleted_at IS NULL
                      WHERE ll.crm_labelable_type = \(Self.labelableType) AND ll.crm_labelable_id = l.id
            """
        func selectLeads(from source: String, labels: String = linkedLabels) -> String { """
            SELECT l.external_id, l.lead_id, l.title, l.description, l.amount, l.currency,
                   \(timestamp("l.expected_close")), \(timestamp("l.converted_at")), \(timestamp("l.created_at")),
                   \(timestamp("l.updated_at")), \(timestamp("l.deleted_at")),
                   u.id, u.name, pe.external_id, pe.first_name, pe.last_name,
                   o.external_id, o.name, lb.ids, lb.names
            FROM \(source) AS l
            LEFT JOIN users AS u ON u.id = l.user_owner_id
            LEFT JOIN \(p)people AS pe ON pe.id = l.person_id AND pe.deleted_at IS NULL
            LEFT JOIN \(p)organizations AS o ON o.id = l.organization_id AND o.deleted_at IS NULL
            LEFT JOIN LATERAL (
                SELECT array_agg(x.external_id ORDER BY x.id) AS ids, array_agg(x.name ORDER BY x.id) AS names
                FROM (\(labels)) AS x
            ) AS lb ON true
            """
        }
        let select = selectLeads(from: "\(p)leads")

        show = PreparedStatement(name: "leads_show", sql: """
            \(select)
            WHERE l.external_id = $1::text AND l.deleted_at IS NULL AND ($2::bigint IS NULL OR l.team_id = $2::bigint)
            ORDER BY l.id LIMIT 1
            """)

        let listFilter = """
            WHERE l.deleted_at IS NULL AND ($1::bigint IS NULL OR l.user_owner_id = $1::bigint)
              AND ($2::bigint IS NULL OR l.team_id = $2::bigint)
            """
        // The exact total: sql/030's trigger-kept counters, a few index probes whatever the
        // table's size. They exist for the tables the migrations manage (crm_leads); with any
        // other prefix the rows are counted.
        let counters = p == "crm_" ? """
            SELECT coalesce(sum(live), 0)::bigint FROM leadsd_lead_counts
            WHERE scope = (CASE WHEN $1::bigint IS NULL THEN 0 ELSE 1 END) + (CASE WHEN $2::bigint IS NULL THEN 0 ELSE 2 END)
              AND team_id = coalesce($2::bigint, 0) AND owner_id = coalesce($1::bigint, 0)
            """ : nil
        count = PreparedStatement(name: "leads_count", sql: counters ?? "SELECT count(*) FROM \(p)leads AS l \(listFilter)")
        // A page that starts at or past the total reads nothing: its LIMIT is 0, and
        // PostgreSQL's Limit node with a zero count returns before pulling one row from the
        // index scan below it (which would otherwise walk every live lead to skip them). Only
        // where the total is cheap: counting the rows instead would cost what it saves.
        let pageSize = counters.map { "CASE WHEN $4::bigint >= (\($0)) THEN 0 ELSE $3::bigint END" } ?? "$3::bigint"
        var list: [ListKey: PreparedStatement] = [:]
        for key in ListKey.all {
            let sort = key.sort
            let direction = sort.descending ? "DESC" : "ASC"
            // Nulls last both ways only for amount (contract §7); the id breaks ties.
            let nulls = sort.column == .amount ? " NULLS LAST" : ""
            let owner = key.byOwner ? "l.user_owner_id = $1::bigint" : "$1::bigint IS NULL"
            let team = key.byTeam ? "l.team_id = $2::bigint" : "$2::bigint IS NULL"
            let suffix = (key.byOwner ? "_owner" : "") + (key.byTeam ? "_team" : "")
            let order = "ORDER BY l.\(sort.column.rawValue) \(direction)\(nulls), l.id \(direction)"
            // The page's rows are picked first (from the sort's index, skipping the offset's
            // rows unjoined), then only those get their owner, person, organization and labels.
            let page = """
                (SELECT l.* FROM \(p)leads AS l
                 WHERE l.deleted_at IS NULL AND \(owner) AND \(team)
                 \(order)
                 LIMIT \(pageSize) OFFSET $4::bigint)
                """
            list[key] = PreparedStatement(name: "leads_list_\(sort.name)\(suffix)", sql: """
                \(selectLeads(from: page))
                \(order)
                """)
        }
        self.list = list

        func live(_ table: String, _ external: String, team: String) -> String {
            "FROM \(p)\(table) WHERE external_id = \(external)::text AND deleted_at IS NULL AND (\(team)::bigint IS NULL OR team_id = \(team)::bigint)"
        }

        // $1 lead UUID, $2 team. Run as a statement of its own before `update` when labels are
        // replaced, in the same transaction: `update` then starts (READ COMMITTED) with a snapshot
        // taken after this lock was granted, so it sees, and deletes, the links that a concurrent
        // replacement committed. The FOR UPDATE inside `update` alone waits too, but its DELETE
        // keeps the statement's older snapshot and leaves the other's rows: duplicated labels.
        lock = PreparedStatement(name: "leads_lock", sql: "SELECT id \(live("leads", "$1", team: "$2")) FOR UPDATE")

        // $1 person, $2 organization, $3 lead source, $4 pipeline stage (UUIDs), $5 owner id,
        // $6 label UUIDs (text[]), $7 team, $8 lead UUID.
        resolve = PreparedStatement(name: "leads_resolve", sql: """
            SELECT EXISTS (SELECT 1 \(live("people", "$1", team: "$7"))),
                   EXISTS (SELECT 1 \(live("organizations", "$2", team: "$7"))),
                   EXISTS (SELECT 1 \(live("lead_sources", "$3", team: "$7"))),
                   EXISTS (SELECT 1 \(live("pipeline_stages", "$4", team: "$7"))),
                   EXISTS (SELECT 1 FROM users WHERE id = $5::bigint),
                   ARRAY (SELECT DISTINCT external_id FROM \(p)labels WHERE external_id = ANY ($6::text[])
                          AND deleted_at IS NULL AND ($7::bigint IS NULL OR team_id = $7::bigint)),
                   EXISTS (SELECT 1 \(live("leads", "$8", team: "$7")))
            """)

        // Resolves the references again inside the write, locking the rows it links
        // (FOR SHARE waits for, and then re-checks against, a concurrent soft delete).
        func references(person: String, organization: String, source: String, stage: String, owner: String,
                        labels: String, team: String) -> String {
            """
            refs AS (
                SELECT (SELECT id \(live("people", person, team: team)) ORDER BY id LIMIT 1 FOR SHARE) AS person_id,
                       (SELECT id \(live("organizations", organization, team: team)) ORDER BY id LIMIT 1 FOR SHARE) AS organization_id,
                       (SELECT id \(live("lead_sources", source, team: team)) ORDER BY id LIMIT 1 FOR SHARE) AS lead_source_id,
                       (SELECT id \(live("pipeline_stages", stage, team: team)) ORDER BY id LIMIT 1 FOR SHARE) AS pipeline_stage_id,
                       (SELECT id FROM users WHERE id = \(owner)::bigint FOR KEY SHARE) AS user_owner_id
            ),
            labels AS (
                SELECT id, external_id, name FROM \(p)labels WHERE external_id = ANY (\(labels)::text[])
                   AND deleted_at IS NULL AND (\(team)::bigint IS NULL OR team_id = \(team)::bigint) FOR SHARE
            ),
            complete AS (
                SELECT refs.* FROM refs
                WHERE (\(person)::text IS NULL OR refs.person_id IS NOT NULL)
                  AND (\(organization)::text IS NULL OR refs.organization_id IS NOT NULL)
                  AND (\(source)::text IS NULL OR refs.lead_source_id IS NOT NULL)
                  AND (\(stage)::text IS NULL OR refs.pipeline_stage_id IS NOT NULL)
                  AND (\(owner)::bigint IS NULL OR refs.user_owner_id IS NOT NULL)
                  AND (SELECT count(DISTINCT external_id) FROM labels)
                      = (SELECT count(DISTINCT given) FROM unnest(\(labels)::text[]) AS given)
            )
            """
        }

        // The counter: 1 + the highest number among all leads (soft-deleted included), or the
        // counter + 1 when that is higher (a number claimed by a create still in flight).
        let nextNumber = "INSERT INTO leadsd_lead_numbers AS c (id, last_number)"
        let nextNumberConflict = """
            ON CONFLICT (id) DO UPDATE SET last_number = GREATEST(c.last_number + 1, EXCLUDED.last_number)
                RETURNING last_number
            """

        // $1 external id, $2 title, $3 description, $4 amount (cents), $5 currency, $6 expected
        // close (UTC), $7 person, $8 organization, $9 lead source, $10 pipeline stage, $11 owner,
        // $12 label UUIDs, $13 acting user, $14 team. Returns one row: how many leads it
        // inserted (0 when a reference died since validation), then the new lead's columns as
        // `show` returns them (NULLs when none), built from the inserted row and the references
        // the statement resolved, so no second statement has to read the lead back.
        // The number `claimNumber` handed over for this external id ($1), if any.
        let claimedNumber = """
            SELECT split_part(current_setting('leadsd.lead_number', true), ':', 2)::bigint AS number
            WHERE split_part(current_setting('leadsd.lead_number', true), ':', 1) = $1::text
            """
        let claimed = "claimed AS (\(claimedNumber))"
        let prefix = """
            (SELECT coalesce((SELECT value FROM \(p)settings WHERE name = 'lead_prefix'
                              ORDER BY team_id NULLS FIRST, id LIMIT 1), 'L') AS value) AS prefix
            """
        let defaultStatus = "(SELECT st.id FROM \(p)lead_statuses AS st WHERE st.id = 1)"
        create = PreparedStatement(name: "leads_create", sql: """
            WITH \(references(person: "$7", organization: "$8", source: "$9", stage: "$10", owner: "$11", labels: "$12", team: "$14")),
            \(claimed),
            numbered AS (
                \(nextNumber)
                SELECT 1, coalesce((SELECT max(number) FROM \(p)leads), 1000) + 1 FROM complete
                WHERE NOT EXISTS (SELECT 1 FROM claimed)
                \(nextNumberConflict)
            ),
            chosen AS (SELECT number FROM claimed UNION ALL SELECT last_number FROM numbered),
            inserted AS (
                INSERT INTO \(p)leads (external_id, team_id, title, description, amount, currency, expected_close,
                    person_id, organization_id, lead_source_id, pipeline_stage_id, pipeline_id, user_owner_id,
                    prefix, number, lead_id, lead_status_id, qualified, user_created_id, created_at, updated_at)
                SELECT $1::text, $14::bigint, $2::text, $3::text, $4::bigint, coalesce($5::text, 'USD'), $6::timestamp,
                    complete.person_id, complete.organization_id, complete.lead_source_id, complete.pipeline_stage_id,
                    (SELECT s.pipeline_id FROM \(p)pipeline_stages AS s WHERE s.id = complete.pipeline_stage_id),
                    complete.user_owner_id, prefix.value, chosen.number, prefix.value || chosen.number,
                    \(defaultStatus), false, $13::bigint, \(now), \(now)
                FROM complete, chosen, \(prefix)
                RETURNING *
            ),
            linked AS (
                INSERT INTO \(p)labelables (label_id, crm_labelable_id, crm_labelable_type)
                SELECT DISTINCT labels.id, inserted.id, \(Self.labelableType) FROM inserted, labels
            ),
            given_back AS (
                UPDATE leadsd_lead_numbers SET last_number = last_number - 1
                WHERE id = 1 AND last_number = (SELECT number FROM claimed) AND NOT EXISTS (SELECT 1 FROM inserted)
            )
            SELECT n.inserted, lead.* FROM (SELECT count(*) FROM inserted) AS n(inserted)
            LEFT JOIN (\(selectLeads(from: "inserted", labels: "SELECT DISTINCT id, external_id, name FROM labels"))) AS lead ON true
            """)

        // $1 external id, $2 title, $3 description, $4 amount (cents), $5 currency, $6 expected
        // close (UTC), $7 team, $8 acting user; the same row as `create`. A body without any
        // reference or label needs none of `create`'s lookups, locks and joins: a plan about a
        // third of the size, which PostgreSQL also runs in about a third of the time. It only
        // takes the number `claimNumber` handed over: without that claim it inserts nothing
        // (and returns no row), and the controller starts the create again. Numbering itself
        // as `create` does would cost every bare create the startup of a second INSERT … ON
        // CONFLICT that almost never runs (about 9% of this pair's database time in pgbench).
        createBare = PreparedStatement(name: "leads_create_bare", sql: """
            WITH inserted AS (
                INSERT INTO \(p)leads (external_id, team_id, title, description, amount, currency, expected_close,
                    prefix, number, lead_id, lead_status_id, qualified, user_created_id, created_at, updated_at)
                SELECT $1::text, $7::bigint, $2::text, $3::text, $4::bigint, coalesce($5::text, 'USD'), $6::timestamp,
                    prefix.value, claimed.number, prefix.value || claimed.number,
                    \(defaultStatus), false, $8::bigint, \(now), \(now)
                FROM (\(claimedNumber)) AS claimed, \(prefix)
                RETURNING *
            )
            SELECT 1, l.external_id, l.lead_id, l.title, l.description, l.amount, l.currency,
                   \(timestamp("l.expected_close")), \(timestamp("l.converted_at")), \(timestamp("l.created_at")),
                   \(timestamp("l.updated_at")), \(timestamp("l.deleted_at")),
                   NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text[], NULL::text[]
            FROM inserted AS l
            """)

        // $1 the new lead's external id. Takes the next lead number in a transaction of its
        // own, sent in the same flush just before `create` (see LeadsController.create): the
        // counter row is locked only for this statement, not for the whole create and its WAL
        // flush, and this transaction commits without waiting for the disk (it wrote nothing
        // that must outlive a crash: the counter is recomputed from max(number) whenever it is
        // behind, and a later create's durable commit makes it durable too). The number is
        // handed to `create` in a session setting keyed by the external id, so only that
        // create can use it; a `create` that finds no claim numbers itself as before, and a
        // `createBare` inserts nothing.
        claimNumber = PreparedStatement(name: "leads_claim_number", sql: """
            WITH numbered AS (
                \(nextNumber)
                SELECT 1, coalesce((SELECT max(number) FROM \(p)leads), 1000) + 1
                \(nextNumberConflict)
            )
            SELECT set_config('leadsd.lead_number', $1::text || ':' || last_number, false),
                   set_config('synchronous_commit', 'off', true)
            FROM numbered
            """)

        // $1 lead UUID, $2 team, $3 acting user; then (present, value) pairs: $4/$5 title,
        // $6/$7 description, $8/$9 amount, $10/$11 currency, $12/$13 expected close,
        // $14/$15 person, $16/$17 organization, $18/$19 lead source, $20/$21 pipeline stage,
        // $22/$23 owner, $24/$25 labels. Returns (lead found, lead updated).
        update = PreparedStatement(name: "leads_update", sql: """
            WITH target AS (
                SELECT id \(live("leads", "$1", team: "$2")) ORDER BY id LIMIT 1 FOR UPDATE
            ),
            \(references(person: "$15", organization: "$17", source: "$19", stage: "$21", owner: "$23", labels: "$25", team: "$2")),
            ready AS (SELECT target.id AS lead_id, complete.* FROM target, complete),
            updated AS (
                UPDATE \(p)leads AS l SET
                    title = CASE WHEN $4::boolean THEN $5::text ELSE l.title END,
                    description = CASE WHEN $6::boolean THEN $7::text ELSE l.description END,
                    amount = CASE WHEN $8::boolean THEN $9::bigint ELSE l.amount END,
                    currency = CASE WHEN $10::boolean THEN coalesce($11::text, 'USD') ELSE l.currency END,
                    expected_close = CASE WHEN $12::boolean THEN $13::timestamp ELSE l.expected_close END,
                    person_id = CASE WHEN $14::boolean THEN ready.person_id ELSE l.person_id END,
                    organization_id = CASE WHEN $16::boolean THEN ready.organization_id ELSE l.organization_id END,
                    lead_source_id = CASE WHEN $18::boolean THEN ready.lead_source_id ELSE l.lead_source_id END,
                    pipeline_stage_id = CASE WHEN $20::boolean THEN ready.pipeline_stage_id ELSE l.pipeline_stage_id END,
                    pipeline_id = CASE WHEN $20::boolean AND ready.pipeline_stage_id IS NOT NULL
                        THEN (SELECT s.pipeline_id FROM \(p)pipeline_stages AS s WHERE s.id = ready.pipeline_stage_id)
                        ELSE l.pipeline_id END,
                    user_owner_id = CASE WHEN $22::boolean THEN ready.user_owner_id ELSE l.user_owner_id END,
                    user_updated_id = $3::bigint,
                    updated_at = \(now)
                FROM ready WHERE l.id = ready.lead_id
                RETURNING l.id
            ),
            unlinked AS (
                DELETE FROM \(p)labelables AS d USING updated
                WHERE $24::boolean AND d.crm_labelable_id = updated.id AND d.crm_labelable_type = \(Self.labelableType)
            ),
            linked AS (
                INSERT INTO \(p)labelables (label_id, crm_labelable_id, crm_labelable_type)
                SELECT DISTINCT labels.id, updated.id, \(Self.labelableType) FROM updated, labels WHERE $24::boolean
            )
            SELECT (SELECT count(*) FROM target), (SELECT count(*) FROM updated)
            """)

        // $1 lead UUID, $2 acting user, $3 team. Soft delete, as Laravel's SoftDeletes does it.
        delete = PreparedStatement(name: "leads_delete", sql: """
            UPDATE \(p)leads SET deleted_at = \(now), updated_at = \(now), user_deleted_id = $2::bigint
            WHERE external_id = $1::text AND deleted_at IS NULL AND ($3::bigint IS NULL OR team_id = $3::bigint)
            RETURNING id
            """)
    }

    public var all: [PreparedStatement] {
        [show, count, resolve, claimNumber, create, createBare, update, lock, delete] + ListKey.all.compactMap { list[$0] }
    }

    /// Longest table prefix: the longest table name it makes (`pipeline_stages`, 15 bytes)
    /// stays well within PostgreSQL's 63-byte identifiers.
    public static let maximumPrefixBytes = 32

    /// Why the statements cannot use `prefix` (it is interpolated into their SQL), or nil when
    /// they can. The configuration refuses such a prefix with this message at start, so that
    /// the precondition above is never what stops a worker.
    ///
    ///     LeadStatements.prefixProblem("crm_")      // nil
    ///     LeadStatements.prefixProblem("crm;drop")  // "only a-z, 0-9 and '_'"
    public static func prefixProblem(_ prefix: String) -> String? {
        let allowed = prefix.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || $0 == 95 }
        guard allowed else { return "only a-z, 0-9 and '_'" }
        guard prefix.utf8.count <= maximumPrefixBytes else {
            return "at most \(maximumPrefixBytes) bytes, '\(prefix)' has \(prefix.utf8.count)"
        }
        return nil
    }
}
