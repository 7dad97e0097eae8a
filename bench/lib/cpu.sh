# CPU time by component, read from /proc: the figure that stays steady on a shared machine,
# where req/s and latency follow whatever else runs on the cores.
#
# A component is a process tree: leadsd's master and its workers, nginx's master and its
# workers, PostgreSQL's postmaster and every backend and auxiliary process of the bench
# cluster. Its CPU time at one moment is the sum, over every process alive in the tree, of
# utime + stime (the process's own, all its threads included) + cutime + cstime (the
# children it has reaped). A process that exits between two readings moves its whole time
# into its parent's cutime/cstime when the parent reaps it, so the difference of two
# readings counts exactly the CPU the tree used in between, whatever started or exited
# (PostgreSQL backends connecting and leaving, a worker replaced), as long as the root
# outlives the interval. The load generator (wrk, pgbench) is one process per run, so its
# time is read whole, from the parent that waited for it (run_counting_cpu).
#
# /proc counts in clock ticks (CLK_TCK, 100 a second here): one tick of truncation per
# process and reading, a few tens of milliseconds against the seconds a case uses.

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# tree_pids PID: PID and all its descendants, one level at a time (one read per level).
tree_pids() {
  local level=$1 all=$1 depth
  for (( depth = 0; depth < 16 && ${#level} > 0; depth++ )); do
    level=$(cd /proc && for p in $level; do cat "$p"/task/*/children 2>/dev/null; done | tr -s ' \n' ' ')
    all="$all $level"
  done
  tr -s ' ' '\n' <<<"$all" | sed '/^$/d' | sort -n
}

# cpu_ticks PID: the CPU time of PID's tree, in ticks (see above); 0 when PID is empty or
# gone. The tree is listed before and after its processes are read; if it changed in
# between (a process forked, or one exited and was reaped after its own time was read and
# before its parent's), the reading is taken again.
cpu_ticks() {
  local root=$1 pids again total=0 attempt
  if [ -z "$root" ] || [ "$root" = - ] || ! kill -0 "$root" 2>/dev/null; then echo 0; return 0; fi
  for (( attempt = 0; attempt < 20; attempt++ )); do
    pids=$(tree_pids "$root")
    # Fields after the command name "(...)": $1 is field 3 (state), so utime (14),
    # stime (15), cutime (16), cstime (17) are $12..$15.
    total=$(cd /proc && for p in $pids; do cat "$p/stat" 2>/dev/null; done \
      | awk '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { printf "%d\n", t }')
    again=$(tree_pids "$root")
    [ "$pids" = "$again" ] && break
  done
  echo "$total"
}

# run_counting_cpu FILE COMMAND...: runs COMMAND and writes into FILE the CPU ticks that it
# and everything it waited for used (user + system): the cutime/cstime of a shell whose only
# child was COMMAND. Exits with COMMAND's status.
run_counting_cpu() {
  local file=$1; shift
  COUNTED_CPU_FILE=$file bash -c '"$@"; status=$?
    read -r stat </proc/$$/stat; set -- ${stat##*) }
    echo $(( ${14} + ${15} )) >"$COUNTED_CPU_FILE"; exit $status' run_counting_cpu "$@"
}

# postgres_root: the postmaster's pid (first line of its pid file).
postgres_root() { head -1 "$RUN_DIR/pg/postmaster.pid" 2>/dev/null || echo -; }

# cpu_us_per TICKS REQUESTS: microseconds of CPU per request, three decimals; "-" without requests.
cpu_us_per() {
  awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" 'BEGIN { if (n > 0 && t != "" && t != "-") printf "%.3f", t * 1000000 / hz / n; else printf "-" }'
}

# cpu_interval_start SERVER_PID: remembers where the server's and PostgreSQL's counters stand.
# cpu_interval_end SERVER_PID REQUESTS LOADGEN_TICKS_FILE: sets CPU_SERVER_US, CPU_PG_US,
# CPU_LOADGEN_US (per request) for the interval since cpu_interval_start. SERVER_PID "-" (the
# pgbench cases) gives "-" for the server.
cpu_interval_start() {
  CPU_START_SERVER=$(cpu_ticks "$1"); CPU_START_PG=$(cpu_ticks "$(postgres_root)")
}
cpu_interval_end() {
  local server=$1 requests=$2 loadgen_file=$3 loadgen
  if [ "$server" = - ]; then CPU_SERVER_US=-
  else CPU_SERVER_US=$(cpu_us_per "$(( $(cpu_ticks "$server") - CPU_START_SERVER ))" "$requests"); fi
  CPU_PG_US=$(cpu_us_per "$(( $(cpu_ticks "$(postgres_root)") - CPU_START_PG ))" "$requests")
  loadgen=$(cat "$loadgen_file" 2>/dev/null || echo -)
  CPU_LOADGEN_US=$(cpu_us_per "$loadgen" "$requests")
}

# wait_backends_gone COUNT: waits (at most 5 s) until the postmaster has at most COUNT
# children again, so the backends of a finished pgbench run have been reaped and their time
# is in the postmaster's cutime before the interval is closed.
postgres_children() { cat /proc/"$(postgres_root)"/task/*/children 2>/dev/null | wc -w; }
wait_backends_gone() {
  local count=$1 i
  for (( i = 0; i < 50; i++ )); do
    [ "$(postgres_children)" -le "$count" ] && return 0
    sleep 0.1
  done
}
