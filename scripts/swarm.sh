#!/usr/bin/env bash
# A two-node Docker Swarm for the tests (docs/swarm.md): two Docker 28.5 engines started by
# scripts/engines.sh, each in its own network namespace, joined by a veth pair, sw1 the manager
# and sw2 a worker (other names: NETFORM_SWARM_NAMES="MANAGER WORKER", below).
#
#   bash scripts/swarm.sh up       start both engines, join their namespaces, form the swarm
#   bash scripts/swarm.sh down     leave the swarm, remove the veth pair, stop both engines
#   bash scripts/swarm.sh status   the engines, the link and the swarm's nodes (by node ID)
#   bash scripts/swarm.sh env      print export lines for NETFORM_SWARM_MANAGER, _WORKER and DOCKER_HOST (the manager), for eval
#
# Idempotent: what already stands is checked and left as it is; what is missing or half-made is
# made again. Every step says what it does on stderr.
#
# Addresses, all in 10.213.240.0/20: the link is 10.213.251.0/30 (swv1 10.213.251.1 in nf-sw1,
# swv2 10.213.251.2 in nf-sw2); swarm-scoped networks get their subnets from 10.213.252.0/22 (/24
# each, the ingress network included) instead of Docker's default 10.0.0.0/8; the Swarm tests
# take their subnets from 10.213.240.0/21 (test/support/swarm.ts). Both engines share the host's UTS namespace, so both nodes report the same hostname:
# tell them apart by node ID (`status` prints them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The engines' names: NETFORM_SWARM_NAMES="MANAGER WORKER" (default "sw1 sw2"), so that a second
# test swarm can stand beside the first (e.g. NETFORM_SWARM_NAMES="svm1 svm2"). Everything else is
# the same for every pair: the veth pair and its addresses live inside the two engines' own
# namespaces (nf-MANAGER, nf-WORKER; `ip link add … netns` makes each end there, never in the
# host's namespace), and the swarm's address pool is each swarm's own.
read -r MANAGER WORKER EXTRA <<<"${NETFORM_SWARM_NAMES:-sw1 sw2}" || true
if [ -z "${MANAGER:-}" ] || [ -z "${WORKER:-}" ] || [ -n "${EXTRA:-}" ] || [ "$MANAGER" = "$WORKER" ]; then
  printf 'swarm: NETFORM_SWARM_NAMES must name two different engines, the manager then the worker (got "%s")\n' \
    "${NETFORM_SWARM_NAMES:-}" >&2
  exit 1
fi
VERSION=28.5
LINK_MANAGER=swv1
LINK_WORKER=swv2
ADDR_MANAGER=10.213.251.1
ADDR_WORKER=10.213.251.2
LINK_PREFIX=30
ADDR_POOL=10.213.252.0/22
ADDR_POOL_MASK=24

say() { printf 'swarm: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

host_of() { bash scripts/engines.sh host "$1"; }
on() { local engine=$1; shift; DOCKER_HOST=$(host_of "$engine") timeout 60 docker "$@"; }
answers() { on "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
node_state() { on "$1" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown; }
node_id() { on "$1" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true; }
is_manager() { [ "$(on "$1" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; }
netns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }
link_in() { ip -n "$1" link show "$2" >/dev/null 2>&1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "the swarm's engines run in network namespaces: run this as root"
}

ensure_engines() {
  say "starting engines $MANAGER and $WORKER (Docker $VERSION) with scripts/engines.sh"
  bash scripts/engines.sh up "$MANAGER" "$VERSION"
  bash scripts/engines.sh up "$WORKER" "$VERSION"
  for engine in "$MANAGER" "$WORKER"; do
    local version
    version=$(on "$engine" version --format '{{.Server.Version}}')
    case "$version" in
      28.5.*) ;;
      *) die "$engine answers as Docker $version, not $VERSION: stop it (bash scripts/engines.sh down $engine) and run this again" ;;
    esac
  done
}

# The veth pair between the two namespaces. Deleting a namespace deletes its end and with it the
# peer, so either both ends exist or neither does.
ensure_link() {
  local ns1=nf-$MANAGER ns2=nf-$WORKER
  if link_in "$ns1" "$LINK_MANAGER" && link_in "$ns2" "$LINK_WORKER"; then
    say "veth pair $LINK_MANAGER ($ns1) <-> $LINK_WORKER ($ns2) exists"
  else
    link_in "$ns1" "$LINK_MANAGER" && ip -n "$ns1" link del "$LINK_MANAGER"
    link_in "$ns2" "$LINK_WORKER" && ip -n "$ns2" link del "$LINK_WORKER"
    say "creating veth pair $LINK_MANAGER ($ns1) <-> $LINK_WORKER ($ns2)"
    ip link add "$LINK_MANAGER" netns "$ns1" type veth peer name "$LINK_WORKER" netns "$ns2"
  fi
  ip -n "$ns1" addr replace "$ADDR_MANAGER/$LINK_PREFIX" dev "$LINK_MANAGER"
  ip -n "$ns2" addr replace "$ADDR_WORKER/$LINK_PREFIX" dev "$LINK_WORKER"
  ip -n "$ns1" link set "$LINK_MANAGER" up
  ip -n "$ns2" link set "$LINK_WORKER" up
  local tries=0
  until nsenter --net="/var/run/netns/$ns1" /bin/busybox ping -c1 -W1 "$ADDR_WORKER" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 10 ] || die "$ADDR_MANAGER ($ns1) cannot reach $ADDR_WORKER ($ns2) over the veth pair"
    sleep 1
  done
  say "link up: $ADDR_MANAGER/$LINK_PREFIX ($ns1) reaches $ADDR_WORKER ($ns2)"
}

# A node whose engine started before its end of the link existed (the machine restarted, the
# engines' data kept: their namespaces, and so the link, are made again) cannot listen on its swarm
# address ("failed to listen on remote API address … cannot assign requested address"): its state
# stays 'error' until dockerd starts again with the link up. Stops it (its data stays) and starts it.
restart_if_errored() {
  local engine=$1
  [ "$(node_state "$engine")" = error ] || return 0
  say "$engine's swarm state is 'error' ($(on "$engine" info --format '{{.Swarm.Error}}' 2>/dev/null)): restarting its engine now that the link is up (its data is kept)"
  bash scripts/engines.sh stop "$engine"
  bash scripts/engines.sh up "$engine" "$VERSION"
  # The swarm's components start a moment after the API answers.
  for _ in $(seq 1 30); do
    [ "$(node_state "$engine")" = pending ] || break
    sleep 1
  done
}

ensure_manager() {
  local state
  restart_if_errored "$MANAGER"
  state=$(node_state "$MANAGER")
  case "$state" in
    inactive)
      say "initialising the swarm on $MANAGER (advertise $ADDR_MANAGER, address pool $ADDR_POOL)"
      on "$MANAGER" swarm init --advertise-addr "$ADDR_MANAGER" --listen-addr "$ADDR_MANAGER:2377" \
        --default-addr-pool "$ADDR_POOL" --default-addr-pool-mask-length "$ADDR_POOL_MASK" >/dev/null
      ;;
    active)
      is_manager "$MANAGER" || die "$MANAGER is in a swarm but not a manager: run 'bash scripts/swarm.sh down' and up again"
      say "$MANAGER is already a swarm manager"
      ;;
    *) die "$MANAGER's swarm state is '$state': run 'bash scripts/swarm.sh down' and up again" ;;
  esac
}

# The worker belongs when the manager lists its node ID as a ready worker.
worker_joined() {
  local id
  id=$(node_id "$WORKER")
  [ -n "$id" ] || return 1
  [ "$(on "$MANAGER" node inspect "$id" --format '{{.Spec.Role}} {{.Status.State}}' 2>/dev/null)" = "worker ready" ]
}

ensure_worker() {
  local state
  restart_if_errored "$WORKER"
  state=$(node_state "$WORKER")
  if [ "$state" = active ] || [ "$state" = pending ]; then
    # After its manager restarted, a worker takes some seconds to be listed as ready again.
    local waited=0
    until worker_joined || [ "$waited" -ge 20 ]; do
      sleep 1
      waited=$((waited + 1))
    done
    if worker_joined; then
      say "$WORKER is already a worker of $MANAGER's swarm"
      return 0
    fi
    say "$WORKER is in another swarm (or a stale one): leaving it"
    on "$WORKER" swarm leave --force >/dev/null
  fi
  local token
  token=$(on "$MANAGER" swarm join-token -q worker)
  say "joining $WORKER to the swarm as a worker (advertise $ADDR_WORKER)"
  on "$WORKER" swarm join --advertise-addr "$ADDR_WORKER" --listen-addr "$ADDR_WORKER:2377" \
    --token "$token" "$ADDR_MANAGER:2377" >/dev/null
  local tries=0
  until worker_joined; do
    tries=$((tries + 1))
    [ "$tries" -lt 30 ] || die "$WORKER joined but the manager does not list it as ready"
    sleep 1
  done
}

# Nodes the worker left behind in earlier runs stay in the manager's list as `down`.
prune_down_nodes() {
  local ids
  ids=$(on "$MANAGER" node ls --format '{{.ID}} {{.Status}}' | awk '$2 == "Down" {print $1}')
  for id in $ids; do
    say "removing node $id, which is down (left over from an earlier join)"
    on "$MANAGER" node rm --force "$id" >/dev/null || true
  done
}

cmd_up() {
  need_root
  ensure_engines
  ensure_link
  ensure_manager
  ensure_worker
  prune_down_nodes
  say "swarm ready: manager $MANAGER (node $(node_id "$MANAGER")), worker $WORKER (node $(node_id "$WORKER"))"
  cmd_env
}

cmd_down() {
  need_root
  for engine in "$WORKER" "$MANAGER"; do
    if answers "$engine" && [ "$(node_state "$engine")" != inactive ]; then
      say "$engine leaves the swarm"
      on "$engine" swarm leave --force >/dev/null || say "$engine: swarm leave failed (the engine is stopped next anyway)"
    fi
  done
  if netns_exists "nf-$MANAGER" && link_in "nf-$MANAGER" "$LINK_MANAGER"; then
    say "removing veth pair $LINK_MANAGER <-> $LINK_WORKER"
    ip -n "nf-$MANAGER" link del "$LINK_MANAGER"
  fi
  engine_down "$WORKER"
  engine_down "$MANAGER"
  say "swarm removed"
}

# engines.sh down, finishing its job when it stops early: as of commit 5b122c2 it exits at its
# unmount step when nothing is left mounted (grep finds nothing under pipefail), before removing
# the engine's folders. Only what it would have removed next is removed, and only once the engine
# is stopped, its namespace gone and nothing of it mounted.
engine_down() {
  local name=$1 run=/run/netform-engines/$1 data=/var/lib/netform-engines/$1
  bash scripts/engines.sh down "$name" && return 0
  answers "$name" && die "engines.sh down $name failed and $name still answers"
  netns_exists "nf-$name" && die "engines.sh down $name failed and namespace nf-$name is still there"
  if grep -qE " ($run|$data)(/| )" /proc/mounts; then
    die "engines.sh down $name failed with mounts of $name left (see /proc/mounts)"
  fi
  say "engines.sh down $name stopped before removing its folders; removing $run and $data"
  rm -rf "$run" "$data"
}

cmd_status() {
  for engine in "$MANAGER" "$WORKER"; do
    if answers "$engine"; then
      echo "$engine $(host_of "$engine") Docker $(on "$engine" version --format '{{.Server.Version}}') swarm: $(node_state "$engine") node: $(node_id "$engine")"
    else
      echo "$engine $(host_of "$engine") not answering"
    fi
  done
  if netns_exists "nf-$MANAGER" && link_in "nf-$MANAGER" "$LINK_MANAGER"; then
    echo "link $LINK_MANAGER: $(ip -n "nf-$MANAGER" -brief addr show "$LINK_MANAGER" | awk '{print $2, $3}')"
  else
    echo "link $LINK_MANAGER: absent"
  fi
  if answers "$MANAGER" && is_manager "$MANAGER"; then
    on "$MANAGER" node ls --format '{{.ID}} {{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}'
  fi
}

# Lines for `eval`: the two nodes, and DOCKER_HOST at the manager, exported so that the test
# runner (a child process) sees them. Without DOCKER_HOST the suite would reach another engine.
cmd_env() {
  echo "export NETFORM_SWARM_MANAGER=$(host_of "$MANAGER")"
  echo "export NETFORM_SWARM_WORKER=$(host_of "$WORKER")"
  echo "export DOCKER_HOST=$(host_of "$MANAGER")"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) die "usage: swarm.sh up | down | status | env" ;;
esac
