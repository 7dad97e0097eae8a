# The throwaway PostgreSQL cluster: its own port and directory under the run directory,
# stopped and deleted on exit. Needs: RUN_DIR, PG_PORT, PG_BIN, BENCH_DIR.

pg_start() {
  local data="$RUN_DIR/pg"
  claim_port PG_PORT
  mkdir -p "$data" "$RUN_DIR/pglog"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$data" "$RUN_DIR/pglog"; fi
  as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$OUT_DIR/initdb.log" 2>&1 \
    || die "initdb failed, see $OUT_DIR/initdb.log"
  # Sized for a 24 GiB machine and a few hundred connections; durability stays on
  # (fsync, synchronous_commit) so writes cost what they cost in production.
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$data'
max_connections = 400
shared_buffers = 1GB
effective_cache_size = 4GB
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 8GB
checkpoint_timeout = 30min
log_min_messages = warning
log_min_error_statement = error
CONF
  CLEANUP_HOOKS+=(pg_stop)
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$RUN_DIR/pglog/postgresql.log" -w -t 60 start >/dev/null \
    || { cp "$RUN_DIR/pglog/postgresql.log" "$OUT_DIR/pg.log" 2>/dev/null || true; die "PostgreSQL did not start, see $OUT_DIR/pg.log"; }
  log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  [ -f "$RUN_DIR/pg/postmaster.pid" ] || return 0
  cp "$RUN_DIR/pglog/postgresql.log" "$OUT_DIR/pg.log" 2>/dev/null || true
  as_pg "$PG_BIN/pg_ctl" -D "$RUN_DIR/pg" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

database_url() { printf 'postgresql://postgres@127.0.0.1:%s/%s' "$PG_PORT" "$1"; }

# psql_db DB [psql args...]
psql_db() { local db=$1; shift; psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" -v ON_ERROR_STOP=1 "$@"; }

# Creates, migrates and seeds database DB with LEADS leads and USERS users, then exports
# the token list to "$RUN_DIR/DB.tokens", samples UUID_SAMPLE live leads into the table
# bench_lead_sample (n, external_id) and the file "$RUN_DIR/DB.uuids" (the same leads, so
# wrk and pgbench pick from one sample), and writes the pgbench variables to "$RUN_DIR/DB.vars".
pg_prepare_database() {
  local db=$1 leads=$2 users=$3 started
  psql_db postgres -c "CREATE DATABASE $db" >/dev/null
  if [ "$CEILINGS_ONLY" = 1 ]; then
    psql_db "$db" -f "$BENCH_DIR/sql/dev-schema.sql" >/dev/null
  else
    DATABASE_URL=$(database_url "$db") "$LEADSD" migrate >"$OUT_DIR/migrate-$db.log" 2>&1 \
      || die "leadsd migrate failed, see $OUT_DIR/migrate-$db.log"
  fi
  started=$(date +%s)
  psql_db "$db" -v leads="$leads" -v users="$users" -f "$BENCH_DIR/sql/seed.sql" >/dev/null
  psql_db "$db" -v sample="$UUID_SAMPLE" -f "$BENCH_DIR/sql/ceiling-setup.sql" >/dev/null
  psql_db "$db" -c "VACUUM ANALYZE" >/dev/null
  log "seeded $db: $leads leads, $users users with a token each ($(( $(date +%s) - started )) s)"
  psql_db "$db" -At -c "COPY (SELECT plaintext FROM bench_tokens ORDER BY token_id) TO STDOUT" >"$RUN_DIR/$db.tokens"
  psql_db "$db" -At -c "COPY (SELECT external_id FROM bench_lead_sample ORDER BY n) TO STDOUT" >"$RUN_DIR/$db.uuids"
  chmod 600 "$RUN_DIR/$db.tokens"
  local tok_min tok_count tok_max sample_count max_id
  IFS='|' read -r tok_min tok_max tok_count < <(psql_db "$db" -At -c "SELECT min(token_id), max(token_id), count(*) FROM bench_tokens")
  [ $((tok_max - tok_min + 1)) = "$tok_count" ] || die "token ids are not contiguous in $db"
  sample_count=$(wc -l <"$RUN_DIR/$db.uuids")
  [ "$sample_count" -gt 0 ] || die "no live lead sampled in $db"
  max_id=$(psql_db "$db" -At -c "SELECT coalesce(max(id), 0) FROM crm_leads")
  printf 'tok_min=%s\ntok_count=%s\nsample_count=%s\nmax_seed_id=%s\n' "$tok_min" "$tok_count" "$sample_count" "$max_id" >"$RUN_DIR/$db.vars"
}

# pg_ceiling_create_begin DB / pg_ceiling_create_end DB: around the pgbench create runs.
# leadsd's live-lead count triggers (sql/030, present unless --ceilings-only) are leadsd's
# own cost, not a naive server's, so they are off while the ceiling inserts; its rows are
# deleted while they are still off, so the counters stay exact for the runs after.
pg_count_triggers() {
  psql_db "$1" -c "DO \$\$ DECLARE t text; BEGIN
      FOR t IN SELECT tgname FROM pg_trigger WHERE tgrelid = 'crm_leads'::regclass AND tgname LIKE 'leadsd_count_%' LOOP
        EXECUTE format('ALTER TABLE crm_leads $2 TRIGGER %I', t);
      END LOOP; END \$\$" >/dev/null
}
pg_ceiling_create_begin() { pg_count_triggers "$1" DISABLE; }
pg_ceiling_create_end() {
  local db=$1 max_id
  max_id=$(pgvar "$db" max_seed_id)
  psql_db "$db" -c "DELETE FROM crm_leads WHERE id > $max_id AND title = 'Bench ceiling lead'" >/dev/null
  pg_count_triggers "$db" ENABLE
  psql_db "$db" -c "VACUUM ANALYZE crm_leads" >/dev/null
}

# Removes the leads that create runs added, so every run sees the seeded table.
pg_reset_created() {
  local db=$1 max_id
  max_id=$(sed -n 's/^max_seed_id=//p' "$RUN_DIR/$db.vars")
  psql_db "$db" -c "DELETE FROM crm_labelables WHERE crm_labelable_type = 'VentureDrake\\LaravelCrm\\Models\\Lead' AND crm_labelable_id > $max_id" \
                -c "DELETE FROM crm_leads WHERE id > $max_id" -c "VACUUM ANALYZE crm_leads" >/dev/null
}

pgvar() { sed -n "s/^$2=//p" "$RUN_DIR/$1.vars"; }
