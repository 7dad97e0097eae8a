# The kernel's per-session CPU groups ("autogroup", kernel.sched_autogroup_enabled).
#
# With autogroup on (Debian's default, and so the setting of a host running leadsd next to
# PostgreSQL), the scheduler first shares the CPU equally between sessions, then between
# the processes of each session. PostgreSQL calls setsid() in every backend it forks, so
# each backend is a session of its own, while leadsd's workers and wrk share the one
# session bench/run was started from. On two cores that weighting, not the request path,
# made leadsd's show p99 swing between 67 ms and 1.7 s from one 8-second run to the next
# (p50 unchanged): a backend holding several pipelined batches was left off the CPU for up
# to 170 ms (`perf sched latency`). pgbench's ceilings move by 1-2% either way.
#
# The run measures with the machine's setting, as the machine has it, and then measures
# the show case and its ceilings once more with the other setting (autogroup_other_begin /
# autogroup_other_end), so the summary shows both side by side. A task's group is fixed
# when it is forked, so those cases start a fresh leadsd and fresh pgbench clients (and
# with them fresh PostgreSQL backends) after the switch. The setting is put back as soon as
# they are done, and by the exit hook whatever happens (failure, Ctrl-C, TERM).
# `--keep-autogroup` leaves the setting alone for the whole run.
# Needs: CLEANUP_HOOKS, log. Sets AUTOGROUP_MACHINE (0, 1, or "" without the knob),
# AUTOGROUP_NOW (on/off/-, recorded with every case) and SCHEDULER_NOTE (the summary's).

AUTOGROUP_KNOB=/proc/sys/kernel/sched_autogroup_enabled

autogroup_word() { case $1 in 1) echo on ;; 0) echo off ;; *) echo - ;; esac; }

scheduler_setup() {
  if [ -r "$AUTOGROUP_KNOB" ]; then AUTOGROUP_MACHINE=$(cat "$AUTOGROUP_KNOB"); else AUTOGROUP_MACHINE=""; fi
  AUTOGROUP_NOW=$(autogroup_word "$AUTOGROUP_MACHINE")
  if [ -z "$AUTOGROUP_MACHINE" ]; then SCHEDULER_NOTE="kernel without autogroup"
  else SCHEDULER_NOTE="autogroup $AUTOGROUP_NOW, as the machine has it"; fi
}

# True when the other setting can be measured: a knob, and permission to write it.
autogroup_other_possible() { [ -n "$AUTOGROUP_MACHINE" ] && [ -w "$AUTOGROUP_KNOB" ]; }

autogroup_other_begin() {
  local other=$(( 1 - AUTOGROUP_MACHINE ))
  CLEANUP_HOOKS+=(scheduler_restore)
  { echo "$other" >"$AUTOGROUP_KNOB"; } 2>/dev/null || { log "could not write $AUTOGROUP_KNOB"; return 1; }
  AUTOGROUP_NOW=$(autogroup_word "$other")
  log "kernel.sched_autogroup_enabled $AUTOGROUP_MACHINE -> $other for the other-setting cases"
}

autogroup_other_end() { scheduler_restore; }

# Puts the machine's setting back (idempotent: also the exit hook).
scheduler_restore() {
  [ -n "${AUTOGROUP_MACHINE:-}" ] || return 0
  [ "$(cat "$AUTOGROUP_KNOB" 2>/dev/null)" = "$AUTOGROUP_MACHINE" ] && { AUTOGROUP_NOW=$(autogroup_word "$AUTOGROUP_MACHINE"); return 0; }
  if { echo "$AUTOGROUP_MACHINE" >"$AUTOGROUP_KNOB"; } 2>/dev/null; then
    log "kernel.sched_autogroup_enabled back to $AUTOGROUP_MACHINE"
  else
    log "could not restore kernel.sched_autogroup_enabled=$AUTOGROUP_MACHINE"
  fi
  AUTOGROUP_NOW=$(autogroup_word "$AUTOGROUP_MACHINE")
}
