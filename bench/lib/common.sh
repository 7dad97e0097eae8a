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

# True when something already listens on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() { ! port_in_use "$1" || die "port 127.0.0.1:$1 is already in use (choose others with the --*-port options)"; }

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
