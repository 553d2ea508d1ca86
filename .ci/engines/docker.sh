#!/usr/bin/env bash
# A real Docker engine for the CI, on loopback only, and the tests' image, built without a registry.
#
# Run as root (CI=true, Debian 12). Idempotent; a later run reuses what an earlier one left:
#  1. installs Debian's docker.io (the daemon, containerd, runc) when dockerd is missing;
#  2. starts dockerd in the background when no daemon answers on /var/run/docker.sock, without
#     the default bridge (--bridge=none: no docker0, no 172.17.0.0/16) and without iptables rules,
#     so containers use the host network (--network host) or none. It never stops a daemon it did
#     not start, and leaves the one it starts running, for later runs;
#  3. builds the test image (python3 and python3-grpcio) from the Debian mirror apt already uses,
#     with debootstrap and `docker import`, unless an image of that name exists.
set -euo pipefail

image="${LAUNCHER_TEST_IMAGE:-launcher-template-test:py3-grpc}"
label="io.github.launcher-template.test-image=py3-grpc"
sock=/var/run/docker.sock
log=/var/log/launcher-ci-dockerd.log
wait_seconds=60
# Tried in this order; the first with which dockerd starts is kept. overlay2 works on this kind
# of machine (ext4 root, kernel overlay support); vfs works anywhere but copies every layer.
drivers="${LAUNCHER_DOCKER_STORAGE_DRIVERS:-overlay2 fuse-overlayfs vfs}"

export DOCKER_HOST="unix://$sock"
export DEBIAN_FRONTEND=noninteractive

say() { printf 'docker.sh: %s\n' "$*"; }
die() { printf 'docker.sh: error: %s\n' "$*" >&2; exit 1; }
now() { echo "${EPOCHREALTIME/[.,]/}"; }  # microseconds
took() { local d=$((($(now) - $2) / 100000)); say "$1 took $((d / 10)).$((d % 10)) s"; }
apt_get() { apt-get -o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0 "$@"; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and starts dockerd)"

# One run at a time: two CI runs must not both start a daemon or build the image. (dockerd must
# not inherit this descriptor: it would hold the lock for good.)
exec 9>/var/lock/launcher-ci-docker.lock
flock 9

cleanup=()
on_exit() { local c; for c in "${cleanup[@]}"; do eval "$c"; done; }
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Installs Debian packages without starting any service (docker.io's postinst would otherwise
# start dockerd with its defaults, docker0 included, through invoke-rc.d).
install_packages() {
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        cleanup+=("rm -f /usr/sbin/policy-rc.d")
    fi
    local out
    out="$(mktemp /var/tmp/launcher-ci-apt.XXXXXX)"
    cleanup+=("rm -f '$out'")
    # A fresh machine may have no (or stale) package lists: update then, and try again.
    if ! apt_get install -y -q --no-install-recommends "$@" >"$out" 2>&1; then
        if ! { apt_get update -q && apt_get install -y -q --no-install-recommends "$@"; } >"$out" 2>&1; then
            tail -n 30 "$out" >&2
            printf 'docker.sh: apt-get could not install: %s\n' "$*" >&2
            return 1
        fi
    fi
}

daemon_answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

# --- 1. the engine -------------------------------------------------------------------------
t=$(now)
if [ ! -x /usr/sbin/dockerd ]; then
    say "installing docker.io (dockerd, containerd, runc) from Debian"
    install_packages docker.io || die "could not install docker.io"
    took "installing docker.io" "$t"
fi
# /usr/local/bin/docker (a newer client, if present) comes first in PATH; both talk to the daemon.
command -v docker >/dev/null || die "no docker client in PATH after installing docker.io"

# Waits until the daemon answers; with a pid, gives up early when that process has exited.
wait_for_daemon() {
    local pid="${1:-}" deadline=$((SECONDS + wait_seconds))
    while [ $SECONDS -lt $deadline ]; do
        daemon_answers && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.5
    done
    return 1
}

t=$(now)
if daemon_answers; then
    say "a Docker daemon already answers on $sock: using it"
elif [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    # Someone else's daemon, still starting up: wait for it, never start a second one.
    say "dockerd (pid $(cat /var/run/docker.pid)) is running but not answering yet: waiting"
    wait_for_daemon "$(cat /var/run/docker.pid)" \
        || die "the running dockerd (pid $(cat /var/run/docker.pid)) did not answer on $sock within ${wait_seconds}s"
else
    mkdir -p "$(dirname "$log")"
    started=""
    for driver in $drivers; do
        if [ "$driver" = fuse-overlayfs ]; then
            # Only worth trying where FUSE exists; its package is small.
            [ -e /dev/fuse ] || continue
            command -v fuse-overlayfs >/dev/null || install_packages fuse-overlayfs || continue
        fi
        say "starting dockerd (storage driver $driver, no bridge, no iptables), log in $log"
        printf '\n=== %s docker.sh: dockerd --storage-driver=%s\n' "$(date -u +%FT%TZ)" "$driver" >>"$log"
        # Its own session, with no descriptor of the CI's (pipes, this script's lock): it outlives
        # this script and the CI run, and a CI runner waiting for its pipes to close does not wait
        # for it. (In the background, without job control, setsid execs without forking: $! is
        # dockerd.)
        (
            for fd in /proc/self/fd/*; do
                fd="${fd##*/}"
                [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
            done
            exec setsid /usr/sbin/dockerd \
                --host="unix://$sock" \
                --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
                --storage-driver="$driver"
        ) </dev/null >>"$log" 2>&1 &
        pid=$!
        if wait_for_daemon "$pid"; then
            started="$driver"
            break
        fi
        # Ours, and it did not come up: stop it before trying the next driver.
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        say "dockerd did not start with storage driver $driver (see $log)"
    done
    [ -n "$started" ] || die "dockerd did not answer on $sock with any storage driver of: $drivers; its log: $log
$(tail -n 20 "$log")"
    say "dockerd (pid $pid, storage driver $started) answers on $sock; it stays running"
fi
if command -v ip >/dev/null && ip link show docker0 >/dev/null 2>&1; then
    say "warning: a docker0 bridge exists (not made by this script's dockerd, which has --bridge=none)"
fi
took "the daemon" "$t"

# --- 2. the test image ---------------------------------------------------------------------
t=$(now)
if docker image inspect "$image" >/dev/null 2>&1; then
    say "image $image exists: kept"
else
    if ! command -v debootstrap >/dev/null; then
        say "installing debootstrap"
        install_packages debootstrap || die "could not install debootstrap"
        took "installing debootstrap" "$t"
    fi
    t1=$(now)
    # shellcheck disable=SC1091
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [ -n "$codename" ] || die "no VERSION_CODENAME in /etc/os-release"
    # The mirror apt itself uses for this release's main component (sources.list or deb822).
    # shellcheck disable=SC2016
    mirror="$(apt-get indextargets --no-release-info --format '$(REPO_URI)' \
        'Identifier: Packages' "Release: $codename" 'Component: main' 'Target-Of: deb' | head -n 1)"
    [ -n "$mirror" ] || die "apt has no 'deb' source for $codename main (see /etc/apt/sources.list*)"
    root="$(mktemp -d /var/tmp/launcher-test-rootfs.XXXXXX)"
    cleanup+=("rm -rf '$root'")
    say "building $image: debootstrap $codename from $mirror"
    if ! debootstrap --variant=minbase --include=python3,python3-grpcio \
        "$codename" "$root" "$mirror" >"$root.log" 2>&1; then
        tail -n 30 "$root.log" >&2
        rm -f "$root.log"
        die "debootstrap failed"
    fi
    rm -f "$root.log"
    took "debootstrap" "$t1"
    # Small-ish: no package caches or lists, documentation (but copyrights), manuals or locales.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
        "$root"/var/lib/apt/lists/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/var/log/*
    find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    t2=$(now)
    tar --numeric-owner -C "$root" -c . | docker import \
        --change "LABEL $label" \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["python3"]' \
        - "$image" >/dev/null
    took "docker import" "$t2"
    docker run --rm --network host "$image" python3 -c 'import grpc' \
        || die "the new image $image cannot import grpc"
    say "image $image built ($(docker image inspect --format '{{.Size}}' "$image") bytes)"
fi
took "the image" "$t"
