# The kernel's per-session CPU groups ("autogroup", kernel.sched_autogroup_enabled).
#
# With autogroup on (Debian's default), the scheduler first shares the CPU equally between
# sessions, then between the processes of each session. PostgreSQL calls setsid() in every
# backend it forks, so each backend is a session of its own, while leadsd's workers and wrk
# share the one session bench/run was started from. On two cores that weighting, not the
# request path, made leadsd's show p99 swing between 67 ms and 1.7 s from one 8-second run to
# the next (p50 unchanged): a backend holding several pipelined batches was left off the CPU
# for up to 170 ms (`perf sched latency`). pgbench's ceilings move by 1-2% either way.
# The benchmark's premise is that server, database and load generator share the cores as
# peers, so the run switches autogroup off and puts the setting back on exit;
# `--keep-autogroup` measures with the machine's setting as it is. Needs: CLEANUP_HOOKS, log.
# Sets SCHEDULER_NOTE for the summary.

AUTOGROUP_KNOB=/proc/sys/kernel/sched_autogroup_enabled

scheduler_setup() {
  local keep=$1 before
  if [ ! -r "$AUTOGROUP_KNOB" ]; then SCHEDULER_NOTE="kernel without autogroup"; return 0; fi
  before=$(cat "$AUTOGROUP_KNOB")
  if [ "$before" = 0 ]; then SCHEDULER_NOTE="autogroup off (as the machine had it)"; return 0; fi
  if [ "$keep" = 1 ]; then SCHEDULER_NOTE="autogroup on (kept: --keep-autogroup)"; return 0; fi
  if { echo 0 >"$AUTOGROUP_KNOB"; } 2>/dev/null; then
    CLEANUP_HOOKS+=(scheduler_restore)
    SCHEDULER_NOTE="autogroup off for the run (the machine has it on; restored on exit)"
    log "kernel.sched_autogroup_enabled 1 -> 0 for this run (restored on exit)"
  else
    SCHEDULER_NOTE="autogroup on (could not switch it off here)"
    log "could not switch kernel.sched_autogroup_enabled off (not root?); measuring with it on"
  fi
}

scheduler_restore() { { echo 1 >"$AUTOGROUP_KNOB"; } 2>/dev/null || log "could not restore kernel.sched_autogroup_enabled=1"; }
