#!/usr/bin/env bash
# Brings up (or checks) a real one-node Slurm cluster for CI: controller and node on this
# machine, all traffic on 127.0.0.1. Idempotent: a second run only checks, in well under a
# second. Run as root. Installs Debian's slurm-wlm and munge if missing, makes a munge key if
# none exists, writes /etc/slurm/slurm.conf and cgroup.conf (only if missing or written by
# this script: a foreign one makes it fail), starts munged, slurmctld and slurmd if they are not running
# (and leaves them running; it never stops a daemon), then waits until the node is usable.
#
# Environment: SLURM_ENGINE_READY_TIMEOUT (seconds to wait for the node, default 60);
# SLURM_ENGINE_PROCTRACK=cgroup|linuxproc|auto (default auto: cgroup where the cgroup v1
# freezer is mounted and writable, else linuxproc).
set -euo pipefail

readonly MARK='# Written by .ci/engines/slurm.sh (launcher-template CI): one-node Slurm on 127.0.0.1.'
readonly CONF_DIR=/etc/slurm
readonly CONF=$CONF_DIR/slurm.conf
readonly CGROUP_CONF=$CONF_DIR/cgroup.conf
readonly ADDR=127.0.0.1
readonly PARTITION=debug
readonly MUNGE_KEY=/etc/munge/munge.key
readonly LOG_DIR=/var/log/slurm
readonly READY_TIMEOUT=${SLURM_ENGINE_READY_TIMEOUT:-60}
readonly PROCTRACK=${SLURM_ENGINE_PROCTRACK:-auto}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

say() { printf 'slurm engine: %s\n' "$*"; }
die() {
    printf 'slurm engine: ERROR: %s\n' "$*" >&2
    exit 1
}
now_us() { local t=${EPOCHREALTIME//[.,]/}; echo "${t#0}"; }
T0=$(now_us)
readonly T0
step_t=$T0
step_name=
step() { step_name=$1; step_t=$(now_us); }
done_step() {
    local us=$(($(now_us) - step_t))
    printf 'slurm engine: %-34s %4d.%03d s  %s\n' "$step_name" $((us / 1000000)) $((us / 1000 % 1000)) "${1:-}"
}
show_log() { # file: its last lines, to stderr, when something failed
    [ -f "$1" ] && { printf -- '--- last lines of %s:\n' "$1" >&2; tail -n 25 "$1" >&2; }
    return 0
}

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and starts daemons)"

# --- 1. packages -------------------------------------------------------------------------
step "packages (slurm-wlm, munge)"
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
if installed slurm-wlm && installed munge; then
    done_step "already installed"
else
    # No init system runs here, but a package's postinst may still try to start its daemon
    # (invoke-rc.d/deb-systemd-invoke) with no config: forbid that while installing, unless
    # a policy-rc.d is already in place (then it is left as it is).
    policy=/usr/sbin/policy-rc.d
    if [ ! -e $policy ]; then
        printf '#!/bin/sh\n# temporary, from .ci/engines/slurm.sh: no daemon starts while installing\nexit 101\n' >$policy
        chmod 0755 $policy
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    apt=(apt-get -o DPkg::Lock::Timeout=900 -q -y)
    pkgs=(slurm-wlm munge)
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache show slurm-wlm >/dev/null 2>&1; then
        "${apt[@]}" update >/dev/null
    fi
    if ! "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >/tmp/slurm-engine-apt.log 2>&1; then
        # Stale package lists (a removed version) are the usual cause: refresh and try again.
        "${apt[@]}" update >/dev/null
        "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >/tmp/slurm-engine-apt.log 2>&1 ||
            { show_log /tmp/slurm-engine-apt.log; die "apt-get install ${pkgs[*]} failed"; }
    fi
    rm -f /tmp/slurm-engine-apt.log
    if [ -f /usr/sbin/policy-rc.d ] && grep -q 'from .ci/engines/slurm.sh' /usr/sbin/policy-rc.d; then
        rm -f /usr/sbin/policy-rc.d
        trap - EXIT
    fi
    done_step "installed $(dpkg-query -W -f='${Version}' slurm-wlm)"
fi

# --- 2. munge ----------------------------------------------------------------------------
step "munge key"
if [ -s $MUNGE_KEY ]; then
    done_step "exists"
else
    install -d -o munge -g munge -m 0700 /etc/munge
    (umask 077 && head -c 1024 /dev/urandom >$MUNGE_KEY.new)
    chown munge:munge $MUNGE_KEY.new
    chmod 0400 $MUNGE_KEY.new
    mv $MUNGE_KEY.new $MUNGE_KEY
    done_step "created"
fi

step "munged"
munge_works() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
if munge_works; then
    done_step "already running"
else
    pgrep -x munged >/dev/null && die "munged runs but 'munge -n | unmunge' fails; see /var/log/munge/munged.log"
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    runuser -u munge -- /usr/sbin/munged || { show_log /var/log/munge/munged.log; die "munged did not start"; }
    for _ in $(seq 100); do munge_works && break; sleep 0.1; done
    munge_works || { show_log /var/log/munge/munged.log; die "munged started but does not answer"; }
    done_step "started (pid $(pgrep -x munged | head -n 1))"
fi

# --- 3. slurm.conf -----------------------------------------------------------------------
step "slurm.conf"
node=$(hostname -s)
[ -n "$node" ] || die "this machine has no host name"
# The hardware as slurmd sees it ("NodeName=x CPUs=2 Boards=1 SocketsPerBoard=1 ...").
hw=$(slurmd -C 2>/dev/null | head -n 1) || hw=
field() { sed -n "s/.*[[:space:]]$1=\([0-9]*\).*/\1/p" <<<"$hw"; }
cpus=$(field CPUs)
sockets=$(field SocketsPerBoard)
cores=$(field CoresPerSocket)
threads=$(field ThreadsPerCore)
mem=$(field RealMemory)
[ -n "$cpus" ] || cpus=$(nproc)
[ -n "$mem" ] || mem=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024))
# A little below the total, so that the node is never drained for "low RealMemory".
mem=$((mem * 95 / 100))
topology=
[ -n "$sockets" ] && [ -n "$cores" ] && [ -n "$threads" ] &&
    topology=" Sockets=$sockets CoresPerSocket=$cores ThreadsPerCore=$threads"

# How slurmd finds a job's processes. proctrack/cgroup (a freezer cgroup per job) catches
# every process, also daemons that left the job's process tree, and kills the rest with
# SIGKILL as soon as the batch script ends; proctrack/linuxproc follows parent links and
# misses processes that were re-parented to init (e.g. one that ignored SIGTERM after its
# parent shell died). Only cgroup v1 is tried: Slurm 22.05's cgroup/v2 wants systemd.
freezer_works() {
    local d=/sys/fs/cgroup/freezer/slurm-engine-probe.$$
    [ -f /sys/fs/cgroup/freezer/cgroup.procs ] && mkdir "$d" 2>/dev/null && rmdir "$d"
}
case $PROCTRACK in
cgroup) proctrack=cgroup ;;
linuxproc) proctrack=linuxproc ;;
auto) if freezer_works; then proctrack=cgroup; else proctrack=linuxproc; fi ;;
*) die "SLURM_ENGINE_PROCTRACK must be cgroup, linuxproc or auto, not '$PROCTRACK'" ;;
esac

new_conf=$(
    cat <<EOF
$MARK
# It is rewritten by that script when it differs; remove this first line to keep your changes
# (the script then refuses to touch the file).
ClusterName=ci
SlurmctldHost=$node($ADDR)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
MailProg=/bin/true
# Tasks are not confined (no CPU binding, no memory limit). proctrack/cgroup kills every
# process of a job, also re-parented ones, but sends scancel's SIGTERM only to the batch
# script's own process (exec the product to have it get SIGTERM, then SIGKILL KillWait s later).
ProctrackType=proctrack/$proctrack
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SwitchType=switch/none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
LogTimeFormat=iso8601_ms
# Timers: quick kills, ended jobs stay visible to "scontrol show job" for MinJobAge seconds.
KillWait=2
MinJobAge=300
MessageTimeout=10
SlurmdTimeout=60
InactiveLimit=0
Waittime=0
# Scheduling: slurmctld starts batch jobs from its once-a-second background loop, after
# waiting batch_sched_delay (default 3 s) since its last pass; 0 makes a submitted job start
# at the next tick (0-1 s, about 0.5 s on average). No setting starts one sooner.
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_interval=10,bf_interval=5
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Each core takes up to 8 jobs (OverSubscribe=FORCE:8 below): 16 one-CPU jobs at once on
# 2 cores, each counted with 512 MB unless it asks for more.
DefMemPerCPU=512
# No accounting database: plain sacct fails; ended jobs are logged in the file below, which
# root reads with "sacct -c" (e.g. sacct -c -j ID -n -P -o jobid,state,exitcode).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$LOG_DIR/jobcomp.log
NodeName=$node NodeAddr=$ADDR NodeHostname=$node CPUs=$cpus$topology RealMemory=$mem State=UNKNOWN
PartitionName=$PARTITION Nodes=$node Default=YES MaxTime=60 OverSubscribe=FORCE:8 State=UP
EOF
)
new_cgroup_conf=$(
    cat <<EOF
$MARK
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
ConstrainCores=no
ConstrainRAMSpace=no
ConstrainSwapSpace=no
ConstrainDevices=no
EOF
)
# put FILE CONTENT: writes FILE unless it holds CONTENT already; fails on a foreign file.
# Prints "same", "rewritten" or "written".
put() {
    if [ -e "$1" ]; then
        [ "$(head -n 1 "$1")" = "$MARK" ] ||
            die "$1 exists and was not written by this script; not overwriting it (move it away to let the script write its own)"
        if [ "$(cat "$1")" = "$2" ]; then
            echo same
            return
        fi
        echo rewritten
    else
        echo written
    fi
    install -d -m 0755 "$(dirname "$1")"
    printf '%s\n' "$2" >"$1.new"
    chmod 0644 "$1.new"
    mv "$1.new" "$1"
}
conf_state=$(put $CONF "$new_conf")
cgroup_state=same
[ $proctrack = cgroup ] && cgroup_state=$(put $CGROUP_CONF "$new_cgroup_conf")
conf_changed=0
[ "$conf_state$cgroup_state" = samesame ] || conf_changed=1
states="slurm.conf $conf_state"
[ $proctrack = cgroup ] && states="$states, cgroup.conf $cgroup_state"
done_step "$states (NodeName=$node CPUs=$cpus RealMemory=$mem proctrack/$proctrack)"

# --- 4. daemons --------------------------------------------------------------------------
install -d -o slurm -g slurm -m 0755 /var/spool/slurmctld $LOG_DIR
install -d -m 0755 /var/spool/slurmd

step "slurmctld"
if pgrep -x slurmctld >/dev/null; then
    if [ $conf_changed = 1 ]; then
        scontrol reconfigure || die "scontrol reconfigure failed after rewriting $CONF"
        # A few settings (ProctrackType, the node's definition) need both daemons restarted,
        # which this script does not do to daemons it finds running.
        running=$(scontrol show config | sed -n 's/^ProctrackType *= *//p')
        [ "$running" = proctrack/$proctrack ] ||
            say "WARNING: slurmd/slurmctld still use $running, not proctrack/$proctrack: restart them to apply it"
        done_step "already running; reconfigured"
    else
        done_step "already running"
    fi
else
    /usr/sbin/slurmctld || { show_log $LOG_DIR/slurmctld.log; die "slurmctld did not start"; }
    for _ in $(seq 100); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
    scontrol ping 2>/dev/null | grep -q 'is UP' ||
        { show_log $LOG_DIR/slurmctld.log; die "slurmctld started but does not answer"; }
    done_step "started (pid $(pgrep -x slurmctld | head -n 1))"
fi

step "slurmd"
if pgrep -x slurmd >/dev/null; then
    done_step "already running"
else
    /usr/sbin/slurmd || { show_log $LOG_DIR/slurmd.log; die "slurmd did not start"; }
    done_step "started (pid $(pgrep -x slurmd | head -n 1))"
fi

# --- 5. node ready -----------------------------------------------------------------------
step "node $node ready"
deadline=$((SECONDS + READY_TIMEOUT))
resumed=0
state=
while :; do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1) || state=
    case $state in
    idle | mixed | allocated | completing) break ;;
    down | drained | draining | fail | failing | "drained*" | "down*")
        # ReturnToService=2 brings a node back by itself once slurmd registers; this is for a
        # node that an earlier run left down or drained.
        if [ $resumed = 0 ] && [ "${state%\*}" = "$state" ]; then
            scontrol update nodename="$node" state=resume || true
            resumed=1
        fi
        ;;
    esac
    [ $SECONDS -lt $deadline ] || {
        sinfo -N -l >&2 || true
        scontrol show node "$node" >&2 || true
        show_log $LOG_DIR/slurmd.log
        show_log $LOG_DIR/slurmctld.log
        die "node $node is '${state:-unknown}' after ${READY_TIMEOUT} s, not idle"
    }
    sleep 0.2
done
[ $resumed = 1 ] && state="$state (resumed)"
done_step "$state"

us=$(($(now_us) - T0))
say "ready in $((us / 1000000)).$(printf '%03d' $((us / 1000 % 1000))) s: $(sinfo -V), partition $PARTITION, node $node at $ADDR"
