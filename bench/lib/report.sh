# The summary: leadsd against its ceilings, CPU per request by component, the two autogroup
# settings, the targets, memory, scaling; printed and saved as "$OUT_DIR/summary.md"
# (Markdown, ready for bench/README.md).

# The autogroup setting the main cases ran with (the machine's) and the other one.
main_autogroup() { autogroup_word "${AUTOGROUP_MACHINE:-}"; }
other_autogroup() { case $(main_autogroup) in on) echo off ;; off) echo on ;; *) echo none ;; esac; }

# lookup KIND SCENARIO PROTO CONNS WORKERS LEADS COLUMN [AUTOGROUP]: the COLUMN (a name of
# RESULTS_HEADER) of the matching case, "-" matching anything; AUTOGROUP defaults to the
# machine's setting.
lookup() {
  awk -F'\t' -v k="$1" -v s="$2" -v p="$3" -v c="$4" -v w="$5" -v l="$6" -v col="$7" -v ag="${8:-$(main_autogroup)}" '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $1 == k && $2 == s && (p == "-" || $3 == p) && (c == "-" || $4 == c) && (w == "-" || $5 == w) && (l == "-" || $6 == l) && (ag == "-" || $at["autogroup"] == ag) {
      v = $at[col] }
    END { print v }' "$OUT_DIR/results.tsv"
}

# best_ceiling SCENARIO [AUTOGROUP]: "tx/s clients" of the pgbench client count that did most.
best_ceiling() {
  awk -F'\t' -v s="$1" -v l="$LEADS" -v ag="${2:-$(main_autogroup)}" '
    NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
    $1 == "pgbench" && $2 == s && $6 == l && $at["autogroup"] == ag && $7 + 0 > best { best = $7 + 0; clients = $4 }
    END { if (best > 0) print best, clients }' "$OUT_DIR/results.tsv"
}

ms() { [ -n "$1" ] && [ "$1" != - ] && awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }' || printf -- '-'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else printf "-" }' || printf -- '-'; }
num() { [ -n "$1" ] && [ "$1" != - ] && printf '%.0f' "$1" || printf -- '-'; }
# us VALUE: CPU microseconds as the table shows them (one decimal; the targets use three).
us() { [ -n "$1" ] && [ "$1" != - ] && printf '%.1f' "$1" || printf -- '-'; }

# case_cpu KIND SCENARIO PROTO CONNS WORKERS LEADS [AUTOGROUP]: "| server | PostgreSQL | load generator |" cells.
case_cpu() {
  local args=("$1" "$2" "$3" "$4" "$5" "$6") ag=${7:-$(main_autogroup)}
  printf '%s | %s | %s' "$(us "$(lookup "${args[@]}" server_cpu_us "$ag")")" "$(us "$(lookup "${args[@]}" pg_cpu_us "$ag")")" \
    "$(us "$(lookup "${args[@]}" loadgen_cpu_us "$ag")")"
}

report() {
  local f="$OUT_DIR/summary.md" scenario proto conns body clients
  {
    echo "# leadsd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM; $(. /etc/os-release; echo "$PRETTY_NAME"). Server, PostgreSQL and load generator share these cores."
    echo
    echo "Command: \`$COMMAND_LINE\`"
    echo
    echo "Settings: $LEADS leads, $USERS users/tokens, warm-up ${WARMUP} s, timed run ${DURATION} s per case, wrk -t $WRK_THREADS, pgbench -j $WRK_THREADS at $PGBENCH_CLIENTS clients, leadsd and nginx with $WORKERS workers, list pages 1..$LIST_PAGES at per_page=25. Scheduler: $SCHEDULER_NOTE."
    [ "$MODE" = soak ] || echo
    [ "$MODE" = soak ] || echo "CPU µs per request: CPU time (user + system, from /proc) over the timed run of the case, divided by the requests it completed: leadsd's master and workers (nginx's for the nginx cases), every process of the bench's PostgreSQL cluster, and the load generator (wrk, pgbench). Unlike req/s and latency, it does not depend on how much of the cores the case got while other work ran; it does change with how the scheduler interleaves server, database and load generator (see the two autogroup settings)."
    if [ "$MODE" = soak ]; then
      :
    elif [ "$CEILINGS_ONLY" != 1 ]; then
      echo
      echo "## leadsd against its ceilings (autogroup $(main_autogroup))"
      echo
      echo "Naive ceiling: the best of pgbench \`-M prepared\` at $PGBENCH_CLIENTS clients running the SQL a naive server sends per request (see the next table); nginx: a fixed body of the same size as leadsd's response (show: $SHOW_BYTES bytes, list: $LIST_BYTES bytes; create is compared with the show body) with the same certificate and TLS 1.2/1.3."
      echo
      echo "| scenario | proto | conns | req/s | p50 ms | p99 ms | CPU µs/req leadsd | PostgreSQL | wrk | best naive ceiling tx/s (clients) | leadsd / ceiling | nginx req/s | leadsd / nginx |"
      echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for scenario in show list create; do for proto in https http; do for conns in $CONNECTIONS; do
        body=$scenario; [ "$scenario" = create ] && body=show
        local l_rps best best_rps best_clients n_rps
        l_rps=$(lookup leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS" rps)
        best=$(best_ceiling "$scenario"); best_rps=${best% *}; best_clients=${best#* }
        n_rps=$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - rps)
        echo "| $scenario | $proto | $conns | $(num "$l_rps") | $(ms "$(lookup leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS" p50_us)") | $(ms "$(lookup leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS" p99_us)") | $(case_cpu leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS") | $(num "$best_rps")${best:+ ($best_clients)} | $(ratio "$l_rps" "$best_rps" 3) | $(num "$n_rps") | $(ratio "$l_rps" "$n_rps") |"
      done; done; done
    fi
    if [ "$MODE" != soak ]; then ceilings_table; autogroup_table; fi
    if [ "$CEILINGS_ONLY" != 1 ]; then targets; fi
    if [ -s "$OUT_DIR/rss.tsv" ]; then
      echo
      echo "## Memory: peak RSS (VmHWM) per leadsd process"
      echo
      echo "| leadsd run | process | peak RSS MiB |"
      echo "|---|---|---:|"
      awk -F'\t' '{ printf "| %s | %s (pid %s) | %.1f |\n", $1, $2, $3, $4 / 1024 }' "$OUT_DIR/rss.tsv"
    fi
    if [ -n "$(lookup leadsd-scale show - - 1 - rps)$(lookup leadsd-scale list - - - - rps)" ]; then
      echo
      echo "## How cost grows"
      echo
      echo "| case | workers | leads | req/s | p50 ms | p99 ms | CPU µs/req leadsd | PostgreSQL | wrk |"
      echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
      awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
        function us(v) { return (v == "-" || v == "") ? "-" : sprintf("%.1f", v) }
        $1 == "leadsd-scale" { printf "| %s %s c=%s | %s | %s | %.0f | %.2f | %.2f | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 / 1000, $9 / 1000,
          us($at["server_cpu_us"]), us($at["pg_cpu_us"]), us($at["loadgen_cpu_us"]) }' "$OUT_DIR/results.tsv"
    fi
    if [ -s "$OUT_DIR/soak.md" ]; then echo; cat "$OUT_DIR/soak.md"; fi
    echo
    if [ "$FAILURES" = 0 ]; then echo "All cases ran without a failed request."; else echo "**$FAILURES case(s) had failed requests or no result: see the logs in $OUT_DIR.**"; fi
  } >"$f"
  cat "$f"
}

# The pgbench ceilings at every client count, and nginx.
ceilings_table() {
  local scenario clients body proto conns best what
  echo
  echo "## The ceilings (autogroup $(main_autogroup))"
  echo
  echo "pgbench per transaction, the SQL a naive server sends per request and nothing more (bench/README.md, *The naive ceilings*): show = token joined to its user + rate-limit upsert + the lead with owner, person, organization and labels (UUID from a sampled lookup table); list = the same two + \`count(*)\` of the live leads + a page of 25 with the same joins; create = the same two + one \`INSERT … RETURNING\`. list-page (list without its \`count(*)\`) is a reference, not a ceiling. **best** marks the client count every ratio uses."
  echo
  echo "| ceiling | clients | tx/s | p50 ms | p99 ms | CPU µs/tx PostgreSQL | pgbench |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for scenario in show list create list-page; do
    best=$(best_ceiling "$scenario"); best=${best#* }
    for clients in $PGBENCH_CLIENTS; do
      [ -n "$(lookup pgbench "$scenario" sql "$clients" - "$LEADS" rps)" ] || continue
      what="pgbench $scenario"; [ "$scenario" = list-page ] && what="pgbench list-page (reference)"
      [ "$clients" = "$best" ] && what="$what, **best**"
      echo "| $what | $clients | $(num "$(lookup pgbench "$scenario" sql "$clients" - "$LEADS" rps)") | $(ms "$(lookup pgbench "$scenario" sql "$clients" - "$LEADS" p50_us)") | $(ms "$(lookup pgbench "$scenario" sql "$clients" - "$LEADS" p99_us)") | $(us "$(lookup pgbench "$scenario" sql "$clients" - "$LEADS" pg_cpu_us)") | $(us "$(lookup pgbench "$scenario" sql "$clients" - "$LEADS" loadgen_cpu_us)") |"
    done
  done
  [ -n "$(lookup nginx show - - "$WORKERS" - rps)" ] || return 0
  echo
  echo "| nginx, fixed body | proto | conns | req/s | p50 ms | p99 ms | CPU µs/req nginx | PostgreSQL | wrk |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  for body in show list; do for proto in https http; do for conns in $CONNECTIONS; do
    echo "| $body | $proto | $conns | $(num "$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - rps)") | $(ms "$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - p50_us)") | $(ms "$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - p99_us)") | $(case_cpu nginx "$body" "$proto" "$conns" "$WORKERS" -) |"
  done; done; done
}

# Show and its ceiling under the machine's autogroup setting and under the other one.
autogroup_table() {
  local ag c=${CONNECTIONS%% *} label best best_rps l_rps
  echo
  echo "## The kernel's autogroup: show with the machine's setting and with the other"
  echo
  if [ -n "${OTHER_AUTOGROUP_NOTE:-}" ]; then echo "The other setting: ${OTHER_AUTOGROUP_NOTE}."; echo; fi
  echo "| autogroup | leadsd show https c=$c req/s | p50 ms | p99 ms | CPU µs/req leadsd | PostgreSQL | wrk | best naive show ceiling tx/s (clients) | leadsd / ceiling | pgbench p99 ms at 32 | CPU µs/tx PostgreSQL at the best |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for ag in "$(main_autogroup)" "$(other_autogroup)"; do
    [ -n "$(lookup pgbench show sql - - "$LEADS" rps "$ag")$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" rps "$ag")" ] || continue
    label="$ag (the machine's setting)"; [ "$ag" = "$(main_autogroup)" ] || label="$ag (switched for these cases)"
    best=$(best_ceiling show "$ag"); best_rps=${best% *}
    l_rps=$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" rps "$ag")
    echo "| $label | $(num "$l_rps") | $(ms "$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" p50_us "$ag")") | $(ms "$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" p99_us "$ag")") | $(case_cpu leadsd show https "$c" "$WORKERS" "$LEADS" "$ag") | $(num "$best_rps")${best:+ (${best#* })} | $(ratio "$l_rps" "$best_rps" 3) | $(ms "$(lookup pgbench show sql 32 - "$LEADS" p99_us "$ag")") | $(us "$(lookup pgbench show sql "${best#* }" - "$LEADS" pg_cpu_us "$ag")") |"
  done
}

# target_line WHAT VALUE OP LIMIT: one row of the targets table. VALUE is the figure as
# printed (three decimals), and that is what is judged: never met by rounding, never missed
# by a digit the table does not show.
target_line() {
  local what=$1 value=$2 op=$3 limit=$4 verdict
  if [ -z "$value" ] || [ "$value" = - ]; then verdict="not measured"
  else verdict=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN { ok = (op == ">=") ? (v >= l) : (op == "<=") ? (v <= l) : (v < l); print ok ? "met" : "NOT met" }'); fi
  echo "| $what | $value | $op $limit | $verdict |"
}

three() { [ -n "$1" ] && [ "$1" != - ] && printf '%.3f' "$1" || printf -- '-'; }

# The targets of issue 17 ("Targets on this 2-core machine"), from this run's own figures,
# under the machine's autogroup setting. They do not change the exit status: that only says
# whether every request succeeded.
targets() {
  local c=32 scenario best best_rps best_clients l_rps l_p99 g_p99 smallest largest p50_small p50_large
  echo
  echo "## Targets (issue 17; autogroup $(main_autogroup); server, PostgreSQL and load generator share the $(nproc) cores)"
  echo
  echo "| target | this run | goal | |"
  echo "|---|---:|---|---|"
  if [ "$MODE" != soak ]; then
    for scenario in show list create; do
      l_rps=$(lookup leadsd "$scenario" https "$c" "$WORKERS" "$LEADS" rps)
      best=$(best_ceiling "$scenario"); best_rps=${best% *}; best_clients=${best#* }
      target_line "$scenario https c=$c: leadsd / best naive ceiling${best:+ ($(num "$l_rps") / $(num "$best_rps") at $best_clients clients)}" "$(ratio "$l_rps" "$best_rps" 3)" ">=" 1.000
      if [ "$scenario" = show ]; then
        l_p99=$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" p99_us); g_p99=$(lookup pgbench show sql 32 - "$LEADS" p99_us)
        target_line "show https c=$c: p99 / pgbench's show p99 at 32 clients ($(ms "$l_p99") / $(ms "$g_p99") ms)" "$(ratio "$l_p99" "$g_p99" 3)" "<=" 2.000
        target_line "show https c=$c: leadsd CPU µs per request" "$(three "$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" server_cpu_us)")" "<=" 70.000
        target_line "show https c=$c: PostgreSQL CPU µs per request" "$(three "$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" pg_cpu_us)")" "<=" 120.000
      fi
    done
  fi
  if [ -n "${SOAK_MAX_GROWTH:-}" ]; then
    if [ "${SOAK_PASSED:-0}" = 1 ]; then target_line "RSS flat over the soak: largest growth of a process, %" "$SOAK_MAX_GROWTH" "<=" 5.000
    else echo "| RSS flat over the soak | $SOAK_MAX_GROWTH % (or a process was replaced) | <= 5.000, every process alive | NOT met |"; fi
  else
    echo "| RSS flat over the soak | - | <= 5.000 % growth | not measured (\`bench/run --soak\`) |"
  fi
  [ "$MODE" = soak ] && return 0
  smallest=$(tr ' ' '\n' <<<"$SCALE_LEADS" | sort -n | head -1); largest=$(tr ' ' '\n' <<<"$SCALE_LEADS" | sort -n | tail -1)
  p50_small=$(lookup leadsd-scale list https - "$WORKERS" "$smallest" p50_us); p50_large=$(lookup leadsd-scale list https - "$WORKERS" "$largest" p50_us)
  target_line "list p50 at $largest leads / at $smallest leads (issue 7)" "$(ratio "$p50_large" "$p50_small" 3)" "<=" 2.000
  l_rps=$(lookup leadsd list https "$c" "$WORKERS" "$LEADS" rps); best=$(best_ceiling list-page)
  if [ -n "$l_rps" ] && [ -n "$best" ]; then
    echo
    echo "Reference, not a target: list https c=$c against the page without its \`count(*)\` (pgbench list-page, best at ${best#* } clients: $(num "${best% *}") tx/s): $(ratio "$l_rps" "${best% *}" 3)."
  fi
  l_rps=$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" rps)
  if [ -n "$l_rps" ]; then
    echo
    echo "With $c requests always in flight the mean latency is $c ÷ rate (Little's law): $(awk -v c="$c" -v r="$l_rps" 'BEGIN { if (r > 0) printf "%.1f", c / r * 1000; else printf "-" }') ms for leadsd's show here."
  fi
}
