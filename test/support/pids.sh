# shellcheck shell=bash
# Processes the test tiers start, by pid: recorded under $PIDS with their start time, so a stop
# never signals a pid the kernel has since given to another process. Sourced by
# test/cloud/lib/env.sh and test/htcondor/lib/env.sh, which set PIDS first.

# The start time of a process (field 22 of /proc/<pid>/stat), empty when it is gone.
proc_start() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
record_pid() { # name pid
  echo "$2" >"$PIDS/$1"
  proc_start "$2" >"$PIDS/$1.start"
}
# True when the recorded pid still is the process we started.
pid_alive() { # name
  local pid
  [ -f "$PIDS/$1" ] || return 1
  pid=$(cat "$PIDS/$1")
  [ -n "$pid" ] && [ "$(proc_start "$pid")" = "$(cat "$PIDS/$1.start" 2>/dev/null)" ]
}
# pid -> the pid and all its descendants, one line.
descendants() {
  local all="$1" frontier="$1" next q
  while [ -n "$frontier" ]; do
    next=""
    for q in $frontier; do next="$next $(pgrep -P "$q" | tr '\n' ' ')"; done
    frontier=$(echo $next)
    all="$all $frontier"
  done
  echo $all
}
