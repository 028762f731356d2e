#!/usr/bin/env bash
# Extra Docker engines beside the host's, each in its own network namespace, so that their
# bridges, iptables rules and default networks never meet the host's (docs/engines.md).
#
#   bash scripts/engines.sh up NAME VERSION   start engine NAME (VERSION: 20.10, 26.1 or 28.5)
#   bash scripts/engines.sh stop NAME         stop its dockerd, keeping its namespace and data
#   bash scripts/engines.sh down NAME...      stop them and remove their namespaces and data
#   bash scripts/engines.sh down --all        the same for every engine this script started
#   bash scripts/engines.sh host NAME         print its DOCKER_HOST (unix:///run/netform-engines/NAME/docker.sock)
#   bash scripts/engines.sh status            list the engines this script started
#
# 20.10 is the host's own dockerd (Debian bookworm's docker.io). 26.1 and 28.5 are Debian
# trixie's and sid's docker.io, downloaded with a private apt sources list into
# /opt/netform-engines/SUITE and never installed over the host's packages. Idempotent: an engine
# that already answers is left running; what is already downloaded is not fetched again.
set -euo pipefail

say() { printf 'engines: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

RUN_ROOT=/run/netform-engines
DATA_ROOT=/var/lib/netform-engines
BIN_ROOT=/opt/netform-engines

suite_of() {
  case "$1" in
    20.10) echo host ;;
    26.1) echo trixie ;;
    28.5) echo sid ;;
    *) die "unknown engine version '$1': use 20.10, 26.1 or 28.5" ;;
  esac
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "starting engines in network namespaces needs root (run it with sudo)"
}

ensure_host_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  say "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Debian's docker.io and containerd of SUITE, unpacked into $BIN_ROOT/SUITE/bin.
ensure_suite_binaries() {
  local suite=$1 d=$BIN_ROOT/$1
  if [ -x "$d/bin/dockerd" ] && [ -x "$d/bin/containerd" ]; then return 0; fi
  say "downloading Debian $suite's docker.io and containerd into $d (private apt lists; the host's packages are untouched)"
  rm -rf "$d"
  mkdir -p "$d/lists/partial" "$d/archives/partial" "$d/x" "$d/bin"
  # The mirror the host's own apt sources name (deb822 or one-line form), never the security one.
  local uri
  uri=$({ grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^URIs: *//' | tr ' ' '\n'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -E '^https?://' | grep -v -- '-security' | head -n 1 || true)
  [ -n "$uri" ] || die "cannot find the Debian mirror in the host's apt sources"
  echo "deb $uri $suite main" >"$d/sources.list"
  local A=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$d/lists" -o "Dir::Cache::Archives=$d/archives" -o APT::Sandbox::User=root)
  apt-get "${A[@]}" update -qq >/dev/null
  (cd "$d" && apt-get "${A[@]}" download "docker.io/$suite" "containerd/$suite" >/dev/null)
  for p in "$d"/*.deb; do dpkg-deb -x "$p" "$d/x"; done
  cp "$d/x/usr/sbin/dockerd" "$d/x/usr/sbin/docker-proxy" "$d/x/usr/bin/containerd" "$d/x/usr/bin/containerd-shim-runc-v2" "$d/bin/"
  # The host's runc: trixie's and sid's need a newer glibc than bookworm's.
  ln -sf "$(command -v runc || echo /usr/sbin/runc)" "$d/bin/runc"
  rm -rf "$d/x" "$d"/*.deb "$d/archives" "$d/lists"
}

sock_of() { echo "$RUN_ROOT/$1/docker.sock"; }
answers() { DOCKER_HOST="unix://$(sock_of "$1")" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# The engine's dockerd, if its pid file names a live one: after a machine restart or a kill -9 the
# file can name a process that is gone, a zombie, or an unrelated process given the same ID.
running_pid() {
  local pid
  pid=$(cat "$RUN_ROOT/$1/dockerd.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  echo "$pid"
}

cmd_up() {
  local name=${1:-} version=${2:-}
  [ -n "$name" ] && [ -n "$version" ] || die "usage: engines.sh up NAME VERSION"
  [[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,11}$ ]] || die "engine name '$name': lower-case letters, digits and '-', at most 12"
  need_root
  local suite ns=nf-$name run=$RUN_ROOT/$name
  suite=$(suite_of "$version")
  if answers "$name"; then
    local running
    running=$(DOCKER_HOST="unix://$(sock_of "$name")" docker version --format '{{.Server.Version}}')
    if [[ "$running" == "$version".* ]]; then
      say "$name already answers (Docker $running) at unix://$(sock_of "$name")"
      return 0
    fi
    # Same name, another version (an earlier `up NAME OTHER`): what is asked for is VERSION, and
    # a test that needs two versions side by side would otherwise compare one with itself.
    say "$name answers with Docker $running, not $version: removing it to start $version"
    down_one "$name"
  fi
  ensure_host_packages
  local path=/usr/sbin:/usr/bin:/sbin:/bin
  if [ "$suite" != host ]; then
    ensure_suite_binaries "$suite"
    path=$BIN_ROOT/$suite/bin:$path
  fi
  if ! ip netns list | grep -qw "$ns"; then
    say "creating network namespace $ns"
    ip netns add "$ns"
  fi
  ip -n "$ns" link set lo up
  mkdir -p "$run" "$DATA_ROOT/$name"
  # A dockerd that died leaves its pid file and socket behind.
  if running_pid "$name" >/dev/null; then
    say "$name: dockerd $(running_pid "$name") is running but does not answer yet; waiting"
  else
    rm -f "$run/dockerd.pid" "$(sock_of "$name")"
    local log=/var/log/netform-engine-$name.log
    say "starting Docker $version as $name in namespace $ns (log: $log)"
    # nsenter, not `ip netns exec`: the latter remounts /sys and dockerd then finds no cgroups.
    nohup nsenter --net="/var/run/netns/$ns" env PATH="$path" \
      dockerd --data-root "$DATA_ROOT/$name" --exec-root "$run/exec" --pidfile "$run/dockerd.pid" \
      -H "unix://$(sock_of "$name")" >>"$log" 2>&1 &
  fi
  for _ in $(seq 1 90); do
    if answers "$name"; then
      say "$name is up: Docker $(DOCKER_HOST="unix://$(sock_of "$name")" docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})') at unix://$(sock_of "$name")"
      return 0
    fi
    sleep 1
  done
  say "$name did not come up; its last words:"
  tail -n 20 "/var/log/netform-engine-$name.log" >&2 || true
  exit 1
}

cmd_down() {
  [ $# -gt 0 ] || die "usage: engines.sh down NAME... | down --all"
  need_root
  if [ "$1" = --all ]; then
    local all=()
    for dir in "$RUN_ROOT"/*/ "$DATA_ROOT"/*/; do [ -d "$dir" ] && all+=("$(basename "$dir")"); done
    [ ${#all[@]} -gt 0 ] || { say "no engines to remove"; return 0; }
    set -- $(printf '%s\n' "${all[@]}" | sort -u)
  fi
  for name in "$@"; do down_one "$name"; done
}

down_one() {
  local name=$1
  [[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,11}$ ]] || die "engine name '$name': lower-case letters, digits and '-', at most 12"
  local run=$RUN_ROOT/$name ns=nf-$name
  stop_one "$name"
  if ip netns list | grep -qw "$ns"; then
    say "removing namespace $ns"
    ip netns delete "$ns"
  fi
  # Mounts dockerd left under its roots (overlay layers, netns files) go before the folders.
  { grep -oE " ($run|$DATA_ROOT/$name)[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$run" "$DATA_ROOT/$name"
  say "$name removed"
}

# Stops the engine's dockerd (SIGTERM, then SIGKILL after 30 s); its namespace and data stay.
stop_one() {
  local name=$1 pid
  pid=$(running_pid "$name") || return 0
  say "stopping $name (dockerd $pid)"
  kill "$pid"
  for _ in $(seq 1 30); do running_pid "$name" >/dev/null || break; sleep 1; done
  if running_pid "$name" >/dev/null; then kill -9 "$pid"; fi
}

cmd_status() {
  [ -d "$RUN_ROOT" ] || { say "no engines"; return 0; }
  for dir in "$RUN_ROOT"/*/; do
    [ -d "$dir" ] || continue
    local name
    name=$(basename "$dir")
    if answers "$name"; then
      echo "$name unix://$(sock_of "$name") $(DOCKER_HOST="unix://$(sock_of "$name")" docker version --format '{{.Server.Version}} API {{.Server.APIVersion}}')"
    else
      echo "$name unix://$(sock_of "$name") not answering"
    fi
  done
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  stop) [ -n "${2:-}" ] || die "usage: engines.sh stop NAME"; need_root; stop_one "$2" ;;
  host) [ -n "${2:-}" ] || die "usage: engines.sh host NAME"; echo "unix://$(sock_of "$2")" ;;
  status) cmd_status ;;
  *) die "usage: engines.sh up NAME VERSION | stop NAME | down NAME... | down --all | host NAME | status" ;;
esac
