# The servers under test: leadsd (built here unless told otherwise) and the nginx ceiling.

make_certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$RUN_DIR/key.pem" -out "$RUN_DIR/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"
  chmod 644 "$RUN_DIR/cert.pem"; chmod 600 "$RUN_DIR/key.pem"
}

build_leadsd() {
  log "building leadsd (swift build -c release --product leadsd); log in $OUT_DIR/build.log"
  (cd "$REPO_DIR" && swift build -c release --product leadsd) >"$OUT_DIR/build.log" 2>&1 \
    || die "release build failed, see $OUT_DIR/build.log"
  LEADSD="$REPO_DIR/.build/release/leadsd"
}

# leadsd_start PROTO WORKERS DB: starts `leadsd serve` and its RSS sampler; sets LEADSD_PID,
# LEADSD_URL, LEADSD_RSS_FILE.
leadsd_start() {
  local proto=$1 workers=$2 db=$3 port tls_args=() extra_args=()
  read -r -a extra_args <<<"$LEADSD_EXTRA_ARGS"
  if [ "$proto" = https ]; then claim_port LEADSD_HTTPS_PORT; port=$LEADSD_HTTPS_PORT; tls_args=(--tls-cert "$RUN_DIR/cert.pem" --tls-key "$RUN_DIR/key.pem")
  else claim_port LEADSD_HTTP_PORT; port=$LEADSD_HTTP_PORT; tls_args=(--plain-http); fi
  claim_port LEADSD_METRICS_PORT
  LEADSD_URL="$proto://127.0.0.1:$port"
  LEADSD_LABEL="$RUN_PHASE-$proto-${workers}w-$db"
  # Access log lines (stdout) go to /dev/null unless --access-log: at tens of thousands of
  # requests a second they would fill the disk; errors (stderr) are kept.
  local stdout=/dev/null; [ "$ACCESS_LOG" = 1 ] && stdout="$OUT_DIR/leadsd-$LEADSD_LABEL.out"
  DATABASE_URL=$(database_url "$db") "$LEADSD" serve --listen "127.0.0.1:$port" --workers "$workers" \
    "${tls_args[@]}" --rate-limit "$HIGH_LIMIT" --guest-rate-limit "$HIGH_LIMIT" \
    --metrics-listen "127.0.0.1:$LEADSD_METRICS_PORT" "${extra_args[@]}" \
    >"$stdout" 2>>"$OUT_DIR/leadsd-$LEADSD_LABEL.err" &
  LEADSD_PID=$!
  track "$LEADSD_PID"
  wait_http "$LEADSD_URL/healthz" 60 "$LEADSD_PID" \
    || die "leadsd ($LEADSD_LABEL) did not answer /healthz within 60 s, see $OUT_DIR/leadsd-$LEADSD_LABEL.err"
  # /readyz also says the worker reached PostgreSQL; the preflight catches anything else.
  wait_http "$LEADSD_URL/readyz" 30 "$LEADSD_PID" || log "leadsd ($LEADSD_LABEL): /readyz not 2xx after 30 s; going on"
  LEADSD_RSS_FILE="$OUT_DIR/rss-$LEADSD_LABEL.txt"
  : >"$LEADSD_RSS_FILE"
  rss_sampler "$LEADSD_PID" "$LEADSD_RSS_FILE" &
  LEADSD_SAMPLER_PID=$!
  track "$LEADSD_SAMPLER_PID"
  log "leadsd serving $LEADSD_URL with $workers worker(s) on database $db (pid $LEADSD_PID)"
}

# Keeps leadsd's own /metrics, then stops it and reports its peak RSS per process into rss.tsv.
leadsd_stop() {
  curl -s --max-time 5 "http://127.0.0.1:$LEADSD_METRICS_PORT/metrics" >"$OUT_DIR/metrics-$LEADSD_LABEL.txt" 2>/dev/null || true
  untrack_and_stop "$LEADSD_PID"
  untrack_and_stop "$LEADSD_SAMPLER_PID"
  local role pid peak
  while read -r role pid peak; do
    printf '%s\t%s\t%s\t%s\n' "$LEADSD_LABEL" "$role" "$pid" "$peak" >>"$OUT_DIR/rss.tsv"
  done < <(rss_peaks "$LEADSD_RSS_FILE")
}

# curl_check NAME EXPECTED_STATUS CURL_ARGS...: one request before the load, so a broken
# seed or route fails loudly instead of as a million errors. Prints the body size.
curl_check() {
  local name=$1 expected=$2 status size; shift 2
  read -r status size < <(curl -sk -o "$RUN_DIR/check-$name.json" -w '%{http_code} %{size_download}\n' --max-time 10 "$@")
  if [ "$status" != "$expected" ]; then
    log "preflight $name: HTTP $status, expected $expected; body: $(head -c 400 "$RUN_DIR/check-$name.json")"
    return 1
  fi
  echo "$size"
}

leadsd_preflight() {
  local db=$1 token uuid
  # Lead 4 of the seed has an owner, a person, an organization and a label: a full body.
  token=$(head -1 "$RUN_DIR/$db.tokens"); uuid=$(psql_db "$db" -At -c "SELECT bench_uuid('lead', 4)")
  SHOW_BYTES=$(curl_check show 200 -H "Authorization: Bearer $token" "$LEADSD_URL/crm/api/v2/leads/$uuid") || die "show preflight failed"
  LIST_BYTES=$(curl_check list 200 -H "Authorization: Bearer $token" "$LEADSD_URL/crm/api/v2/leads?per_page=25&page=1") || die "list preflight failed"
  curl_check create 201 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data '{"title":"Bench preflight","amount":1250.00,"currency":"USD","expected_close":"2026-09-30T00:00:00Z"}' \
    "$LEADSD_URL/crm/api/v2/leads" >/dev/null || die "create preflight failed"
  cp "$RUN_DIR/check-show.json" "$OUT_DIR/sample-show.json"
  log "preflight ok: show body $SHOW_BYTES bytes, list body $LIST_BYTES bytes"
}

# Fixed bodies for nginx: leadsd's own responses when we have them, else the same JSON
# shape built in SQL (ceilings-only runs).
nginx_bodies() {
  local db=$1 www="$RUN_DIR/nginx/www"
  mkdir -p "$www"
  if [ -s "$RUN_DIR/check-show.json" ]; then
    cp "$RUN_DIR/check-show.json" "$www/show.json"; cp "$RUN_DIR/check-list.json" "$www/list.json"
  else
    psql_db "$db" -At -f "$BENCH_DIR/sql/sample-bodies.sql" -v which=show >"$www/show.json"
    psql_db "$db" -At -f "$BENCH_DIR/sql/sample-bodies.sql" -v which=list >"$www/list.json"
  fi
  chmod 755 "$RUN_DIR/nginx" "$www"; chmod 644 "$www"/*.json
  SHOW_BYTES=$(stat -c %s "$www/show.json"); LIST_BYTES=$(stat -c %s "$www/list.json")
}

nginx_start() {
  mkdir -p "$RUN_DIR/nginx/tmp"
  claim_port NGINX_HTTPS_PORT; claim_port NGINX_HTTP_PORT
  sed -e "s|@RUN@|$RUN_DIR|g" -e "s|@WORKERS@|$WORKERS|g" -e "s|@CERT@|$RUN_DIR/cert.pem|g" \
      -e "s|@KEY@|$RUN_DIR/key.pem|g" -e "s|@HTTPS_PORT@|$NGINX_HTTPS_PORT|g" -e "s|@HTTP_PORT@|$NGINX_HTTP_PORT|g" \
      "$BENCH_DIR/nginx/nginx.conf.in" >"$RUN_DIR/nginx/nginx.conf"
  nginx -e "$RUN_DIR/nginx/error.log" -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g 'daemon off;' \
    >>"$OUT_DIR/nginx.log" 2>&1 &
  NGINX_PID=$!
  track "$NGINX_PID"
  wait_http "https://127.0.0.1:$NGINX_HTTPS_PORT/show.json" 20 "$NGINX_PID" \
    || { cp "$RUN_DIR/nginx/error.log" "$OUT_DIR/nginx-error.log" 2>/dev/null || true; die "nginx did not start, see $OUT_DIR/nginx-error.log"; }
  log "nginx ceiling on https://127.0.0.1:$NGINX_HTTPS_PORT and http://127.0.0.1:$NGINX_HTTP_PORT (bodies $SHOW_BYTES / $LIST_BYTES bytes)"
}

nginx_stop() { untrack_and_stop "$NGINX_PID"; cp "$RUN_DIR/nginx/error.log" "$OUT_DIR/nginx-error.log" 2>/dev/null || true; }
