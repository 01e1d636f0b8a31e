#!/usr/bin/env bash
# A one-node Slurm on this machine, for the tests: munged, slurmctld and slurmd as root in a private
# folder, with a fresh munge key and a minimal slurm.conf (this machine's memory, one partition, no
# accounting: `scontrol show job` answers for a finished job for MinJobAge, 5 minutes). The node
# offers at least 16 CPUs whatever the machine has: test files run side by side, and one file's
# long `sleep` jobs must not keep another's job queued on a 2-core machine.
#
#   scripts/slurm/cluster.sh start [DIR]   installs slurm-wlm and munge when absent, starts, waits idle
#   scripts/slurm/cluster.sh stop [DIR]    stops the daemons it started, by pid
#
# DIR defaults to $EXPRAG_SLURM_DIR or /tmp/exprag-slurm. On success DIR/env holds
# `SLURM_CONF=...`, which is all a client needs. Any failure exits non-zero and says why in
# DIR/unavailable (tests read it to skip with the reason).
set -uo pipefail

action=${1:-}
dir=${2:-${EXPRAG_SLURM_DIR:-/tmp/exprag-slurm}}

fail() {
  mkdir -p "$dir" 2>/dev/null
  echo "$1" >"$dir/unavailable" 2>/dev/null
  echo "slurm cluster: $1" >&2
  exit 1
}

stop() {
  for name in slurmd slurmctld munged; do
    local file="$dir/$name.pid"
    [ -f "$file" ] || continue
    local pid
    pid=$(cat "$file")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$file"
  done
  rm -f "$dir/env"
}

install() {
  command -v slurmctld >/dev/null 2>&1 && command -v slurmd >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 1
  export DEBIAN_FRONTEND=noninteractive
  (timeout 300 apt-get install -y -qq slurm-wlm munge || (timeout 120 apt-get update -qq && timeout 300 apt-get install -y -qq slurm-wlm munge)) >"$dir/apt.log" 2>&1
}

# Waits up to $2 tenths of a second for the command in $1 to succeed.
wait_for() {
  for _ in $(seq 1 "$2"); do
    if eval "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

start() {
  [ "$(id -u)" = 0 ] || fail "not root: slurmctld and slurmd run as root here"
  mkdir -p "$dir" || fail "cannot make $dir"
  stop
  rm -f "$dir/unavailable"
  install || fail "slurm-wlm and munge are not installed and apt-get could not install them (see $dir/apt.log)"
  # A fresh cluster each time: no job of an earlier one is left in its state.
  rm -rf "$dir/state" "$dir/spool"
  mkdir -p "$dir/spool" "$dir/state" "$dir/munge" "$dir/log"
  chmod 700 "$dir/munge"

  head -c 1024 /dev/urandom >"$dir/munge/munge.key" && chmod 400 "$dir/munge/munge.key" || fail "cannot write a munge key"
  local socket="$dir/munge/munge.socket"
  munged --force --key-file="$dir/munge/munge.key" --socket="$socket" --pid-file="$dir/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/seed" >"$dir/log/munged.out" 2>&1 ||
    fail "munged did not start (see $dir/log/munged.log)"

  local node cpus memory
  node=$(hostname -s)
  cpus=$(slurmd -C | sed -n 's/.*CPUs=\([0-9]*\).*/\1/p' | head -n 1)
  memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -n 1)
  [ -n "$cpus" ] && [ -n "$memory" ] || fail "slurmd -C did not report this machine's CPUs and memory"
  local port=${EXPRAG_SLURM_PORT:-16817}
  cat >"$dir/slurm.conf" <<EOF
ClusterName=exprag
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=300
MaxArraySize=10001
MaxJobCount=200000
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
KillWait=30
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 CPUs=$((cpus > 16 ? cpus : 16)) RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=100
EOF
  export SLURM_CONF="$dir/slurm.conf"

  slurmctld -D -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  echo $! >"$dir/slurmctld.pid"
  wait_for "scontrol ping | grep -q UP" 150 || { stop; fail "slurmctld did not answer (see $dir/log/slurmctld.log)"; }
  slurmd -D -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
  echo $! >"$dir/slurmd.pid"
  wait_for "sinfo -h -N -o %T | grep -qx idle" 300 || { stop; fail "the node did not become idle (see $dir/log/slurmd.log)"; }
  echo "SLURM_CONF=$SLURM_CONF" >"$dir/env"
  echo "slurm cluster: up in $dir (SLURM_CONF=$SLURM_CONF)" >&2
}

case "$action" in
start) start ;;
stop) stop ;;
*)
  echo "usage: $0 start|stop [DIR]" >&2
  exit 2
  ;;
esac
