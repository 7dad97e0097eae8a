# Load generators and what they measured. Every measured run appends one line to
# "$OUT_DIR/results.tsv":
#   kind scenario proto conns workers leads rps p50_us p99_us requests errors
#   server_cpu_us pg_cpu_us loadgen_cpu_us autogroup
# where the *_cpu_us are microseconds of CPU per request (lib/cpu.sh) of the server under
# test (leadsd or nginx; "-" for pgbench), of PostgreSQL's processes and of the load
# generator, over the timed run only, and autogroup is the kernel's setting during the case.

RESULTS_HEADER='kind\tscenario\tproto\tconns\tworkers\tleads\trps\tp50_us\tp99_us\trequests\terrors\tserver_cpu_us\tpg_cpu_us\tloadgen_cpu_us\tautogroup'

record() { local IFS=$'\t'; printf '%s\n' "$*" >>"$OUT_DIR/results.tsv"; }

# wrk_once SECONDS CONNS URL SCENARIO TOKENS UUIDS [PATH] -> prints the BENCH_RESULT line;
# wrk's own CPU ticks go to "$RUN_DIR/loadgen.ticks".
wrk_once() {
  local seconds=$1 conns=$2 url=$3 scenario=$4 tokens=$5 uuids=$6 path=${7:-/} threads=$WRK_THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  rm -f "$RUN_DIR/loadgen.ticks"
  run_counting_cpu "$RUN_DIR/loadgen.ticks" env BENCH_SCENARIO="$scenario" BENCH_TOKENS="$tokens" BENCH_UUIDS="$uuids" \
      BENCH_PAGES="$LIST_PAGES" BENCH_PATH="$path" \
    timeout $((seconds + 60)) wrk -t "$threads" -c "$conns" -d "${seconds}s" --timeout 10s \
      -s "$BENCH_DIR/wrk/leads.lua" "$url" 2>&1 | tee -a "$OUT_DIR/wrk.log" | grep '^BENCH_RESULT' || true
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# wrk_case KIND SCENARIO PROTO CONNS WORKERS LEADS URL TOKENS UUIDS [PATH]: warm-up, timed run
# (CPU per request of the server, PostgreSQL and wrk over it), record.
wrk_case() {
  local kind=$1 scenario=$2 proto=$3 conns=$4 workers=$5 leads=$6 url=$7 tokens=$8 uuids=$9 path=${10:-/}
  local line rps p50 p99 requests errors wrk_scenario=$scenario server=-
  case $kind in leadsd*) server=$LEADSD_PID ;; nginx) server=$NGINX_PID; wrk_scenario=static ;; esac
  echo "== $kind $scenario $proto c=$conns workers=$workers leads=$leads autogroup=$AUTOGROUP_NOW" >>"$OUT_DIR/wrk.log"
  if [ "$WARMUP" -gt 0 ]; then wrk_once "$WARMUP" "$conns" "$url" "$wrk_scenario" "$tokens" "$uuids" "$path" >/dev/null; fi
  cpu_interval_start "$server"
  line=$(wrk_once "$DURATION" "$conns" "$url" "$wrk_scenario" "$tokens" "$uuids" "$path")
  [ -n "$line" ] || { log "wrk printed no result for $kind $scenario $proto c=$conns (see $OUT_DIR/wrk.log)"; FAILURES=$((FAILURES + 1)); return 0; }
  rps=$(field rps "$line"); p50=$(field p50_us "$line"); p99=$(field p99_us "$line"); requests=$(field requests "$line")
  cpu_interval_end "$server" "$requests" "$RUN_DIR/loadgen.ticks"
  errors=$(( $(field status_errors "$line") + $(field connect_errors "$line") + $(field read_errors "$line") + $(field write_errors "$line") + $(field timeouts "$line") ))
  record "$kind" "$scenario" "$proto" "$conns" "$workers" "$leads" "$rps" "$p50" "$p99" "$requests" "$errors" \
    "$CPU_SERVER_US" "$CPU_PG_US" "$CPU_LOADGEN_US" "$AUTOGROUP_NOW"
  log "$(printf '%-7s %-6s %-5s c=%-3s %10s req/s  p50 %6s us  p99 %7s us  CPU us/req %s %s, pg %s, wrk %s  errors %s' \
    "$kind" "$scenario" "$proto" "$conns" "$rps" "$p50" "$p99" "${kind%%-*}" "$CPU_SERVER_US" "$CPU_PG_US" "$CPU_LOADGEN_US" "$errors")"
  if [ "$errors" != 0 ] || [ "$requests" = 0 ]; then
    log "  ^ $errors failed requests (non-2xx, socket errors or timeouts) out of $requests"
    FAILURES=$((FAILURES + 1))
  fi
}

# pgbench_script SCENARIO: the naive server's SQL of one request (bench/README.md, "The naive
# ceilings"), put together from pgbench/ into "$RUN_DIR/pgbench-SCENARIO.sql": the gate's two
# statements that every request sends, then the request's own.
pgbench_script() {
  local parts part
  case $1 in
    show) parts="gate lead" ;;
    list) parts="gate count page" ;;
    list-page) parts="gate page" ;;
    create) parts="gate insert" ;;
    *) die "no pgbench ceiling named $1" ;;
  esac
  for part in $parts; do cat "$BENCH_DIR/pgbench/$part.sql"; done >"$RUN_DIR/pgbench-$1.sql"
  echo "$RUN_DIR/pgbench-$1.sql"
}

# pgbench_case SCENARIO CLIENTS DB: warm-up, timed run with per-transaction log (CPU per
# transaction of PostgreSQL and pgbench over it), record.
PGBENCH_RUNS=0
pgbench_case() {
  local scenario=$1 conns=$2 db=$3 threads=$WRK_THREADS logdir="$RUN_DIR/pgbench-log" out tps failed n p50 p99 backends
  [ "$conns" -lt "$threads" ] && threads=$conns
  # id_base: create's new external ids are id_base + client * 10^9 + a per-client count,
  # so no two runs (warm-up and timed) insert the same one.
  local args=(-h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$conns" -j "$threads"
              -D tok_min="$(pgvar "$db" tok_min)" -D tok_count="$(pgvar "$db" tok_count)"
              -D sample_count="$(pgvar "$db" sample_count)" -D pages="$LIST_PAGES" -D seq=0
              -f "$(pgbench_script "$scenario")")
  backends=$(postgres_children)
  if [ "$WARMUP" -gt 0 ]; then
    PGBENCH_RUNS=$((PGBENCH_RUNS + 1))
    timeout $((WARMUP + 120)) pgbench "${args[@]}" -D id_base=$((PGBENCH_RUNS * 1000000000000)) -T "$WARMUP" "$db" >>"$OUT_DIR/pgbench.log" 2>&1 || true
  fi
  rm -rf "$logdir"; mkdir -p "$logdir"
  echo "== pgbench $scenario c=$conns autogroup=$AUTOGROUP_NOW" >>"$OUT_DIR/pgbench.log"
  PGBENCH_RUNS=$((PGBENCH_RUNS + 1))
  wait_backends_gone "$backends"
  rm -f "$RUN_DIR/loadgen.ticks"
  cpu_interval_start -
  out=$(run_counting_cpu "$RUN_DIR/loadgen.ticks" timeout $((DURATION + 120)) pgbench "${args[@]}" -D id_base=$((PGBENCH_RUNS * 1000000000000)) \
        -T "$DURATION" -l --log-prefix="$logdir/tx" "$db" 2>&1) || true
  wait_backends_gone "$backends"
  printf '%s\n' "$out" >>"$OUT_DIR/pgbench.log"
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  [ -n "$tps" ] || { log "pgbench $scenario c=$conns printed no tps (see $OUT_DIR/pgbench.log)"; FAILURES=$((FAILURES + 1)); return 0; }
  # Column 3 of pgbench's transaction log is the latency in microseconds.
  cat "$logdir"/tx* | awk '{print $3}' | sort -n >"$logdir/sorted"
  n=$(wc -l <"$logdir/sorted")
  p50=$(sed -n "$(( (n * 50 + 99) / 100 ))p" "$logdir/sorted"); p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$logdir/sorted")
  cpu_interval_end - "$n" "$RUN_DIR/loadgen.ticks"
  record pgbench "$scenario" sql "$conns" - "$LEADS" "$(printf '%.1f' "$tps")" "${p50:-0}" "${p99:-0}" "$n" "${failed:-0}" \
    - "$CPU_PG_US" "$CPU_LOADGEN_US" "$AUTOGROUP_NOW"
  log "$(printf '%-7s %-10s c=%-3s %10.1f tx/s   p50 %6s us  p99 %7s us  CPU us/tx pg %s, pgbench %s  failed %s' \
    pgbench "$scenario" "$conns" "$tps" "$p50" "$p99" "$CPU_PG_US" "$CPU_LOADGEN_US" "${failed:-0}")"
  rm -rf "$logdir"
  if [ "${failed:-0}" != 0 ]; then FAILURES=$((FAILURES + 1)); fi
}

# Samples VmRSS/VmHWM of a process and its children twice a second into FILE until the
# process exits (bounded: at most 12 hours). Lines: epoch pid role rss_kb hwm_kb
rss_sampler() {
  local master=$1 file=$2 i pid role
  for (( i = 0; i < 86400; i++ )); do
    kill -0 "$master" 2>/dev/null || return 0
    for pid in "$master" $(cat /proc/"$master"/task/*/children 2>/dev/null); do
      role=worker; [ "$pid" = "$master" ] && role=master
      awk -v t="$(date +%s)" -v p="$pid" -v r="$role" '
        /^VmRSS:/ {rss=$2} /^VmHWM:/ {hwm=$2}
        END { if (rss != "") print t, p, r, rss, hwm }' /proc/"$pid"/status 2>/dev/null
    done >>"$file"
    sleep 0.5
  done
}

# Current VmRSS in kB of a process and its children: lines "pid role rss_kb".
rss_now() {
  local master=$1 pid role
  for pid in "$master" $(cat /proc/"$master"/task/*/children 2>/dev/null); do
    role=worker; [ "$pid" = "$master" ] && role=master
    awk -v p="$pid" -v r="$role" '/^VmRSS:/ {print p, r, $2}' /proc/"$pid"/status 2>/dev/null
  done
}

# Peak RSS per process from a sampler file: lines "role pid peak_kb".
rss_peaks() {
  awk '{ if ($5 > peak[$2]) peak[$2] = $5; role[$2] = $3 }
       END { for (p in peak) print role[p], p, peak[p] }' "$1" | sort
}
