# Shared helpers of bench/run: logging, the processes the run started, cleanup on exit.
# Every background process goes through `track`, and `cleanup` (trap on EXIT) stops them
# by their own ids, newest first.

TRACKED_PIDS=()
CLEANUP_HOOKS=()

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

track() { TRACKED_PIDS+=("$1"); }

# Runs a command as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Stops one process by id: TERM, up to 10 s, then KILL. Its children running the same
# program (leadsd's or nginx's workers) are stopped after it, should they outlive it.
stop_pid() {
  local pid=$1 i exe kids=() kid
  kill -0 "$pid" 2>/dev/null || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
  read -r -a kids < <(cat /proc/"$pid"/task/*/children 2>/dev/null | tr '\n' ' '; echo)
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM for 10 s; SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  for kid in "${kids[@]}"; do
    [ -n "$exe" ] && [ "$(readlink "/proc/$kid/exe" 2>/dev/null)" = "$exe" ] && stop_pid "$kid"
  done
  return 0
}

untrack_and_stop() {
  local pid=$1 kept=() p
  stop_pid "$pid"
  for p in "${TRACKED_PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  TRACKED_PIDS=("${kept[@]}")
}

cleanup() {
  local status=$? i hook
  trap - EXIT INT TERM
  for (( i=${#TRACKED_PIDS[@]}-1; i>=0; i-- )); do stop_pid "${TRACKED_PIDS[$i]}"; done
  for (( i=${#CLEANUP_HOOKS[@]}-1; i>=0; i-- )); do hook=${CLEANUP_HOOKS[$i]}; $hook || true; done
  exit "$status"
}

# --- ports ---------------------------------------------------------------------------
# Every port a run listens on is picked free when it starts, unless the command line gave it
# (a given port that is taken is an error; bench/run never takes a fixed port by default, so
# an unrelated PostgreSQL or web server on this machine cannot fail a run). They come from
# BENCH_PORT_RANGE, by default 20000-32767: below Linux's ephemeral range (32768-60999), where
# the outgoing connections of wrk, pgbench and everything else on the machine, and tests
# binding port 0, take their ports.

AUTO_PORTS=" "      # names of the port variables that were picked, not given
CHOSEN_PORTS=" "    # ports picked so far (two servers of one run never share one)

# port_in_use PORT: true when any TCP socket on this host's network namespace is bound to
# PORT (listening or connected, any address; ss), or, without ss, when one answers there.
port_in_use() {
  if command -v ss >/dev/null; then [ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]
  else (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; fi
}

# pick_free_port VAR: sets VAR to a free port of BENCH_PORT_RANGE that this run did not pick
# yet: every port of the range is tried once, from a random one on.
pick_free_port() {
  local var=$1 range=${BENCH_PORT_RANGE:-20000-32767} lo hi size start i p
  [[ $range =~ ^([0-9]+)-([0-9]+)$ ]] || die "BENCH_PORT_RANGE must be LOW-HIGH, not '$range'"
  lo=${BASH_REMATCH[1]}; hi=${BASH_REMATCH[2]}
  { [ "$lo" -ge 1 ] && [ "$hi" -le 65535 ] && [ "$lo" -le "$hi" ]; } || die "BENCH_PORT_RANGE must be within 1-65535, LOW <= HIGH: '$range'"
  size=$((hi - lo + 1)); start=$(( (RANDOM * 32768 + RANDOM) % size ))
  for (( i = 0; i < size; i++ )); do
    p=$(( lo + (start + i) % size ))
    [[ $CHOSEN_PORTS == *" $p "* ]] && continue
    port_in_use "$p" && continue
    CHOSEN_PORTS+="$p "; AUTO_PORTS+="$var "
    printf -v "$var" '%s' "$p"
    return 0
  done
  die "no free port in $range for $var (set BENCH_PORT_RANGE, or give the ports: --pg-port, --ports)"
}

# claim_port VAR: just before a server binds the port in VAR. An empty VAR gets a free port;
# a picked port that something took in the meantime is replaced by another; a port the
# command line gave must be free.
claim_port() {
  local var=$1 port=${!1:-}
  if [ -z "$port" ]; then pick_free_port "$var"; return 0; fi
  port_in_use "$port" || return 0
  if [[ $AUTO_PORTS == *" $var "* ]]; then
    log "port $port ($var) was taken since the run picked it; picking another"
    pick_free_port "$var"
  else
    die "port 127.0.0.1:$port ($var) is already in use: leave the port options out to have free ports picked"
  fi
}

# wait_http URL SECONDS [PID]: polls until URL answers 2xx; gives up when PID dies.
wait_http() {
  local url=$1 seconds=$2 pid=${3:-} i
  for i in $(seq 1 $((seconds * 5))); do
    if curl -sk -o /dev/null --max-time 2 -w '%{http_code}' "$url" 2>/dev/null | grep -q '^2'; then return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}
