#!/usr/bin/env bash
# Throwaway single-node Slurm cluster (Debian 12 / Slurm 22.05) for tests.
#
#   bash tests/slurm/cluster.sh install   # apt-get install slurm-wlm munge (once)
#   bash tests/slurm/cluster.sh start     # (re)write config, start daemons, wait for idle node
#   bash tests/slurm/cluster.sh status    # sinfo + squeue
#   bash tests/slurm/cluster.sh stop      # stop the daemons started by `start`
#
# Must run as root. The config goes to /etc/slurm/slurm.conf (the path Debian's
# Slurm 22.05 binaries read by default), so plain sbatch/squeue/sinfo work
# without SLURM_CONF. Everything else (state, spool, logs, pid files) lives
# under $INITSTUDY_SLURM_DIR (default /tmp/initstudy-slurm) and is wiped by
# `start`, so every start gives a fresh, empty cluster.
#
# No accounting daemon (slurmdbd) is configured: `sacct` does not work, job
# states are only visible through `squeue` for MinJobAge seconds after a job
# ends. Snakemake's Slurm profile must therefore use `slurm-status-command: squeue`.
set -euo pipefail

SLURM_DIR="${INITSTUDY_SLURM_DIR:-/tmp/initstudy-slurm}"
SLURM_CONF_PATH=/etc/slurm/slurm.conf
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PIDFILE=/run/munge/munged.pid
PARTITION=debug
START_TIMEOUT=60   # seconds to wait for the node to become idle
STOP_TIMEOUT=20    # seconds to wait for each daemon to exit before SIGKILL
CONF_MARKER='Written by tests/slurm/cluster.sh'

log() { printf '[cluster.sh] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

require_root() {
    [[ "$(id -u)" -eq 0 ]] || die "must run as root"
}

have_binaries() {
    command -v sbatch >/dev/null && command -v slurmctld >/dev/null \
        && command -v slurmd >/dev/null && command -v munged >/dev/null
}

cmd_install() {
    require_root
    if have_binaries; then
        log "slurm-wlm and munge already installed"
        return 0
    fi
    # Keep the package scripts from starting slurmctld/slurmd/munged as
    # services: we run them ourselves with our own config. policy-rc.d exit
    # 101 = "action forbidden". Only add it if the system has none.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        added_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    local rc=0
    apt-get update -qq && apt-get install -y -qq slurm-wlm munge >/dev/null || rc=$?
    if [[ "$added_policy" -eq 1 ]]; then rm -f "$policy"; fi
    [[ "$rc" -eq 0 ]] || die "apt-get failed (rc=$rc)"
    have_binaries || die "slurm binaries still missing after install"
    log "installed: $(dpkg-query -W -f '${Package} ${Version}' slurm-wlm)"
}

# Send SIGTERM to the pid in $1 (a pid file), wait, then SIGKILL.
stop_pidfile() {
    local pidfile="$1" name="$2" pid i
    [[ -f "$pidfile" ]] || return 0
    pid="$(tr -dc '0-9' <"$pidfile")"
    if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
        rm -f "$pidfile"
        return 0
    fi
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 5; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name did not exit after ${STOP_TIMEOUT}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# Print the value of key $1 from our slurm.conf (empty if absent / not ours).
conf_value() {
    [[ -f "$SLURM_CONF_PATH" ]] && grep -q "$CONF_MARKER" "$SLURM_CONF_PATH" || return 0
    sed -n "s/^$1=//p" "$SLURM_CONF_PATH" | head -n 1
}

cmd_stop() {
    require_root
    # Pid files of the running cluster come from the conf it was started with,
    # so a changed INITSTUDY_SLURM_DIR does not leave old daemons behind.
    local slurmd_pid slurmctld_pid
    slurmd_pid="$(conf_value SlurmdPidFile)"
    slurmctld_pid="$(conf_value SlurmctldPidFile)"
    # slurmd first (it talks to slurmctld on shutdown), munged last (both use it).
    stop_pidfile "${slurmd_pid:-$SLURM_DIR/run/slurmd.pid}" slurmd
    stop_pidfile "${slurmctld_pid:-$SLURM_DIR/run/slurmctld.pid}" slurmctld
    stop_pidfile "$MUNGE_PIDFILE" munged
}

write_conf() {
    local host="$1" node_line
    # `slurmd -C` prints the detected hardware as a ready-made NodeName line,
    # e.g. "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2
    # ThreadsPerCore=1 RealMemory=24105"; its second line is UpTime=..., dropped.
    node_line="$(slurmd -C 2>/dev/null | grep '^NodeName=' || true)"
    if [[ -z "$node_line" ]]; then
        node_line="NodeName=$host CPUs=$(nproc) RealMemory=$(free -m | awk '/^Mem:/ {print $2}')"
    fi
    # Our node name is always `hostname -s`; the address is pinned to loopback
    # so the cluster works even if the hostname does not resolve.
    node_line="$(sed -E "s/^NodeName=[^ ]+/NodeName=$host NodeAddr=127.0.0.1/" <<<"$node_line")"

    mkdir -p "$(dirname "$SLURM_CONF_PATH")"
    cat >"$SLURM_CONF_PATH" <<EOF
# $CONF_MARKER (initstudy test cluster) - overwritten on every start.
ClusterName=initstudy
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/run/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/run/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups (test machines/containers may not offer them).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
# No slurmdbd: sacct/sacctmgr do not work; use squeue for job states.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Memory for jobs without --mem/--mem-per-cpu; without it such a job would be
# given the whole node's memory and block every other job.
DefMemPerCPU=1000
# Finished jobs stay visible to squeue this long (seconds). The Snakemake slurm
# plugin polls at most every 180 s and needs MinJobAge >= 3 * its initial
# status-check interval, otherwise it would miss job completions.
MinJobAge=600
# A node that comes back after a restart is put back into service.
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
Waittime=0
$node_line State=UNKNOWN
PartitionName=$PARTITION Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munged() {
    # Debian's munge package creates the `munge` user and /etc/munge.
    if [[ ! -s "$MUNGE_KEY" ]]; then
        log "creating munge key $MUNGE_KEY"
        mkdir -p "$(dirname "$MUNGE_KEY")"
        dd if=/dev/urandom bs=1 count=1024 of="$MUNGE_KEY" status=none
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    # Run munged as `munge` like the packaged service does (that user owns the
    # key and its directories). It daemonizes and writes $MUNGE_PIDFILE itself.
    runuser -u munge -- /usr/sbin/munged
    local i
    for ((i = 0; i < 50; i++)); do
        munge -n </dev/null >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    die "munged did not come up (see /var/log/munge/munged.log)"
}

cmd_start() {
    require_root
    have_binaries || die "slurm not installed; run: $0 install"
    local host t0 state i
    host="$(hostname -s)"
    t0=$SECONDS

    # Guard the rm -rf below against an INITSTUDY_SLURM_DIR like "/" or "/tmp".
    [[ "$SLURM_DIR" == /?*/?* ]] \
        || die "INITSTUDY_SLURM_DIR must be an absolute path at least two levels deep: '$SLURM_DIR'"

    cmd_stop
    rm -rf "$SLURM_DIR"
    mkdir -p "$SLURM_DIR"/{state,spool,log,run}
    write_conf "$host"

    start_munged
    # Both daemons fork into the background and write their pid files;
    # -i: ignore leftover state (there is none - we just wiped it).
    slurmctld -i
    slurmd

    # Wait until the node reports idle (bounded).
    for ((i = 0; i < START_TIMEOUT * 2; i++)); do
        state="$(sinfo -h -n "$host" -o '%t' 2>/dev/null || true)"
        if [[ "$state" == "idle" ]]; then
            log "cluster up after $((SECONDS - t0))s: node $host idle in partition $PARTITION"
            echo "# Slurm config: $SLURM_CONF_PATH (default path, SLURM_CONF not needed)"
            echo "export SLURM_CONF=$SLURM_CONF_PATH"
            return 0
        fi
        # A fresh node can come up as down/drained (e.g. after an unclean
        # restart); ask slurmctld to resume it.
        if [[ "$state" =~ ^(down|drain|drained|draining) ]]; then
            scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
        fi
        sleep 0.5
    done
    log "node $host not idle after ${START_TIMEOUT}s (state: '${state:-?}')"
    tail -n 20 "$SLURM_DIR/log/slurmctld.log" "$SLURM_DIR/log/slurmd.log" >&2 || true
    exit 1
}

cmd_status() {
    sinfo
    squeue
}

case "${1:-}" in
    install) cmd_install ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 {install|start|stop|status}" >&2
        exit 2
        ;;
esac
