#!/usr/bin/env bash
# Makes sure a Docker engine answers, and says what it did.
#  1. If `docker info` answers (DOCKER_HOST or the local socket), use that engine.
#  2. Otherwise, on Debian/Ubuntu as root: install docker.io (and busybox-static, iproute2, which
#     the test images and macvlan tests use) if missing, start dockerd, and wait until it answers.
#  3. Otherwise say exactly what the user must do, and exit 1.
set -euo pipefail

say() { printf 'ensure-docker: %s\n' "$*" >&2; }

engine_answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

need_packages=()
command -v docker >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 || need_packages+=(docker.io)
[ -x /bin/busybox ] || need_packages+=(busybox-static)
command -v ip >/dev/null 2>&1 || need_packages+=(iproute2)

if command -v docker >/dev/null 2>&1 && engine_answers && [ ${#need_packages[@]} -eq 0 ]; then
  say "using the engine at ${DOCKER_HOST:-unix:///var/run/docker.sock} (Docker $(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi

if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing: ${need_packages[*]}. Install them (Debian: sudo apt-get install -y ${need_packages[*]}),"
    say "or point DOCKER_HOST at a running engine, then run this again."
    exit 1
  fi
  say "installing ${need_packages[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi

if engine_answers; then
  say "using the engine at ${DOCKER_HOST:-unix:///var/run/docker.sock} (Docker $(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ]; then
  say "DOCKER_HOST=$DOCKER_HOST does not answer: $(docker info 2>&1 | tail -n 1)"
  say "start that engine, or unset DOCKER_HOST to use (or start) a local one."
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  say "no engine answers on /var/run/docker.sock and starting dockerd needs root."
  say "run: sudo dockerd >/var/log/dockerd.log 2>&1 &   (or: sudo systemctl start docker), then run this again."
  exit 1
fi

wait_for_engine() { # seconds; true once the engine answers
  for _ in $(seq 1 "$1"); do
    engine_answers && return 0
    [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
    sleep 1
  done
  engine_answers
}

# A dockerd that is starting (or still shutting down) owns the socket and pid file: a second one
# would fail, so give it time first.
# (Not the engines of scripts/engines.sh and swarm.sh: their dockerds run with roots of their own.)
host_dockerd_running() { pgrep -a -x dockerd 2>/dev/null | grep -qv netform-engines; }
if host_dockerd_running; then
  say "a dockerd is running but does not answer yet; waiting for it"
  if wait_for_engine 60; then
    say "dockerd is up (Docker $(docker info --format '{{.ServerVersion}}'))"
    exit 0
  fi
  for _ in $(seq 1 30); do host_dockerd_running || break; sleep 1; done
fi

log=/var/log/dockerd.log
offset=$(stat -c %s "$log" 2>/dev/null || echo 0)
say "starting dockerd (log: $log)"
# Appended, never truncated: an earlier daemon may still hold the file open.
nohup dockerd >>"$log" 2>&1 &
pid=$!
if wait_for_engine 60 "$pid"; then
  say "dockerd is up (Docker $(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi
say "dockerd did not come up; its last words:"
tail -c +"$((offset + 1))" "$log" | tail -n 20 >&2 || true
exit 1
