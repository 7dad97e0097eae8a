# The summary: leadsd against its ceilings, memory, scaling; printed and saved as
# "$OUT_DIR/summary.md" (Markdown, ready for bench/README.md).

# lookup KIND SCENARIO PROTO CONNS WORKERS LEADS COLUMN ("-" matches anything)
lookup() {
  awk -F'\t' -v k="$1" -v s="$2" -v p="$3" -v c="$4" -v w="$5" -v l="$6" -v col="$7" '
    NR > 1 && $1 == k && $2 == s && (p == "-" || $3 == p) && (c == "-" || $4 == c) && (w == "-" || $5 == w) && (l == "-" || $6 == l) {
      v = (col == "rps") ? $7 : (col == "p50") ? $8 : (col == "p99") ? $9 : $10 }
    END { print v }' "$OUT_DIR/results.tsv"
}

ms() { [ -n "$1" ] && awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }' || printf -- '-'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else printf "-" }' || printf -- '-'; }
num() { [ -n "$1" ] && printf '%.0f' "$1" || printf -- '-'; }

report() {
  local f="$OUT_DIR/summary.md" scenario proto conns body
  {
    echo "# leadsd benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM; $(. /etc/os-release; echo "$PRETTY_NAME"). Server, PostgreSQL and load generator share these cores."
    echo
    echo "Command: \`$COMMAND_LINE\`"
    echo
    echo "Settings: $LEADS leads, $USERS users/tokens, warm-up ${WARMUP} s, timed run ${DURATION} s per case, wrk -t $WRK_THREADS, leadsd and nginx with $WORKERS workers, list pages 1..$LIST_PAGES at per_page=25. Scheduler: $SCHEDULER_NOTE."
    echo
    if [ "$MODE" = soak ]; then
      :
    elif [ "$CEILINGS_ONLY" != 1 ]; then
      echo "## leadsd against its ceilings"
      echo
      echo "Ceilings: pgbench \`-M prepared\` running a naive server's SQL per request (token lookup, rate-limit upsert, lead query); nginx serving a fixed body of the same size as leadsd's response (show: $SHOW_BYTES bytes, list: $LIST_BYTES bytes; create is compared with the show body) with the same certificate and TLS 1.2/1.3."
      echo
      echo "| scenario | proto | conns | leadsd req/s | p50 ms | p99 ms | pgbench tx/s | p50 ms | p99 ms | leadsd/pgbench | nginx req/s | p50 ms | p99 ms | leadsd/nginx |"
      echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for scenario in show list create; do for proto in https http; do for conns in $CONNECTIONS; do
        body=$scenario; [ "$scenario" = create ] && body=show
        local l_rps l_p50 l_p99 g_rps g_p50 g_p99 n_rps n_p50 n_p99
        l_rps=$(lookup leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS" rps); l_p50=$(lookup leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS" p50); l_p99=$(lookup leadsd "$scenario" "$proto" "$conns" "$WORKERS" "$LEADS" p99)
        g_rps=$(lookup pgbench "$scenario" sql "$conns" - "$LEADS" rps); g_p50=$(lookup pgbench "$scenario" sql "$conns" - "$LEADS" p50); g_p99=$(lookup pgbench "$scenario" sql "$conns" - "$LEADS" p99)
        n_rps=$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - rps); n_p50=$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - p50); n_p99=$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - p99)
        echo "| $scenario | $proto | $conns | $(num "$l_rps") | $(ms "$l_p50") | $(ms "$l_p99") | $(num "$g_rps") | $(ms "$g_p50") | $(ms "$g_p99") | $(ratio "$l_rps" "$g_rps") | $(num "$n_rps") | $(ms "$n_p50") | $(ms "$n_p99") | $(ratio "$l_rps" "$n_rps") |"
      done; done; done
    else
      echo "## Ceilings (no leadsd in this run)"
      echo
      echo "| what | conns | req/s | p50 ms | p99 ms |"
      echo "|---|---:|---:|---:|---:|"
      for scenario in show list create; do for conns in $CONNECTIONS; do
        echo "| pgbench $scenario | $conns | $(num "$(lookup pgbench "$scenario" sql "$conns" - "$LEADS" rps)") | $(ms "$(lookup pgbench "$scenario" sql "$conns" - "$LEADS" p50)") | $(ms "$(lookup pgbench "$scenario" sql "$conns" - "$LEADS" p99)") |"
      done; done
      for body in show list; do for proto in https http; do for conns in $CONNECTIONS; do
        echo "| nginx $body body, $proto | $conns | $(num "$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - rps)") | $(ms "$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - p50)") | $(ms "$(lookup nginx "$body" "$proto" "$conns" "$WORKERS" - p99)") |"
      done; done; done
    fi
    if [ "$MODE" != soak ] && [ "$CEILINGS_ONLY" != 1 ]; then targets; fi
    if [ -n "$(lookup pgbench list-count sql - - - rps)" ]; then
      echo
      echo "Reference, not a ceiling: the list with a naive exact total (\`SELECT count(*)\` over every live lead per request): $(for conns in $CONNECTIONS; do r=$(lookup pgbench list-count sql "$conns" - "$LEADS" rps); [ -n "$r" ] && printf '%s tx/s at %s clients (p50 %s ms); ' "$(num "$r")" "$conns" "$(ms "$(lookup pgbench list-count sql "$conns" - "$LEADS" p50)")"; done)"
    fi
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
      echo "| case | workers | leads | req/s | p50 ms | p99 ms |"
      echo "|---|---:|---:|---:|---:|---:|"
      awk -F'\t' 'NR > 1 && $1 == "leadsd-scale" { printf "| %s %s c=%s | %s | %s | %.0f | %.2f | %.2f |\n", $2, $3, $4, $5, $6, $7, $8 / 1000, $9 / 1000 }' "$OUT_DIR/results.tsv"
    fi
    if [ -s "$OUT_DIR/soak.md" ]; then echo; cat "$OUT_DIR/soak.md"; fi
    echo
    if [ "$FAILURES" = 0 ]; then echo "All cases ran without a failed request."; else echo "**$FAILURES case(s) had failed requests or no result: see the logs in $OUT_DIR.**"; fi
  } >"$f"
  cat "$f"
}

# The targets of issue 7 (points 6 and 7), judged from this run's own figures. They do not
# change the exit status: that only says whether every request succeeded.
target_line() {
  local what=$1 value=$2 op=$3 limit=$4 verdict
  if [ -z "$value" ] || [ "$value" = - ]; then verdict="not measured"
  else verdict=$(awk -v v="$value" -v l="$limit" -v op="$op" 'BEGIN { ok = (op == ">=") ? (v >= l) : (op == "<=") ? (v <= l) : (v < l); print ok ? "met" : "NOT met" }'); fi
  echo "| $what | $value | $op $limit | $verdict |"
}

# Ratios here have three decimals: a target is judged on the figure, never met by rounding.
targets() {
  local c=32 g l_rps l_p99 smallest largest p50_small p50_large scenario l_rps_show g_p99 p99_context=""
  echo
  echo "## Targets (issue 7)"
  echo
  echo "| target | this run | goal | |"
  echo "|---|---:|---|---|"
  for scenario in show list create; do
    l_rps=$(lookup leadsd "$scenario" https "$c" "$WORKERS" "$LEADS" rps); g=$(lookup pgbench "$scenario" sql "$c" - "$LEADS" rps)
    if [ "$scenario" = show ]; then target_line "show https c=$c, leadsd/pgbench" "$(ratio "$l_rps" "$g" 3)" ">=" 0.7
    else target_line "$scenario https c=$c, leadsd/pgbench" "$(ratio "$l_rps" "$g" 3)" ">=" 0.5; fi
  done
  l_p99=$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" p99)
  target_line "show https c=$c, p99 ms" "$(ms "$l_p99")" "<" 10
  l_rps_show=$(lookup leadsd show https "$c" "$WORKERS" "$LEADS" rps); g_p99=$(lookup pgbench show sql "$c" - "$LEADS" p99)
  if [ -n "$l_rps_show" ] && [ -n "$g_p99" ]; then
    p99_context="The p99 target beside its ceiling: pgbench's own show p99 at $c clients is $(ms "$g_p99") ms. With $c requests always in flight the mean latency is $c ÷ rate (Little's law): $(awk -v c="$c" -v r="$l_rps_show" 'BEGIN { if (r > 0) printf "%.1f", c / r * 1000; else printf "-" }') ms for leadsd here; a p99 under 10 ms needs more than $((c * 100)) shows/s."
  fi
  smallest=$(tr ' ' '\n' <<<"$SCALE_LEADS" | sort -n | head -1); largest=$(tr ' ' '\n' <<<"$SCALE_LEADS" | sort -n | tail -1)
  p50_small=$(lookup leadsd-scale list https - "$WORKERS" "$smallest" p50); p50_large=$(lookup leadsd-scale list https - "$WORKERS" "$largest" p50)
  target_line "list p50 at $largest leads / at $smallest leads" "$(ratio "$p50_large" "$p50_small" 3)" "<=" 2
  if [ -n "$p99_context" ]; then echo; echo "$p99_context"; fi
}
