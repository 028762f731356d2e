#!/usr/bin/env bash
# The whole test suite, as CI runs it: typecheck, lint, format check, build, the unit tests once,
# and the engine tests once per Docker engine version netform is tested against (docs/engines.md):
#
#   20.10  the host's engine: DOCKER_HOST, else the local socket (started from Debian's docker.io
#          by scripts/ensure-docker.sh when none answers)
#   26.1   Debian trixie's docker.io, and 28.5, sid's: started by scripts/engines.sh, each in its
#          own network namespace, as the engines `ci26` and `ci28`
#
# By default, as CI runs it, all three (docs/engines.md, "The engine matrix", for how they fit in
# CI's 15 minutes on two cores); NETFORM_TEST_ENGINES=host runs the host's engine alone. The engines
# start in the background while the static checks run, the first run's engine and the swarm
# first. The Swarm tests (one file at a time), the longest run, start as soon as those answer; the
# unit tests run beside them; then the engine runs (two test files at a time each), each run
# printing its own report when it ends. The last lines are one per run and
# `tests: N passed, N failed` for all of them.
#
# A few files run on one engine only (ONCE below: what they test does not change with the
# engine's version), and the Swarm tests once, in a run of their own on the two-node swarm
# (scripts/swarm.sh; its engines are Docker 28.5 whatever the runs' engines are).
#
# Each engine run also has two engines of its own, so no two runs ever share an engine: a second
# engine for the tests of several engines (test/engine/fleet*.test.ts; NAME-b, Docker 28.5, or
# 20.10 beside a 28.5) and the engine watch-restart.test.ts starts, stops and removes (NAME-rs, the
# run's own version). NAME is the run's engine name (`host` for the host's engine).
#
# Environment:
#   NETFORM_TEST_ENGINES="host ci26:26.1 ci28:28.5"   which engines: `host`, or NAME:VERSION for
#                                                     scripts/engines.sh (default: all three)
#   NETFORM_TEST_SERIAL=1      run each engine's tests one after another
#   NETFORM_TEST_ONCE=0        run every engine test file on every engine (see ONCE below)
#   NETFORM_TEST_ENGINES_DOWN=1  stop the engines this script started, at the end
#   NETFORM_TEST_SECOND_DOCKER_HOST  the second engine of the tests of several engines, instead of
#                              NAME-b (only with a single engine run)
#
# The engines it starts are left running by default, so the next run finds them up (seconds
# instead of a minute): `bash scripts/engines.sh down ci26 ci28 host-b ci26-b ci28-b` removes them,
# and `bash scripts/swarm.sh down` the swarm.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node
ensure_deps

# --- the engines, started while the static checks run ------------------------------------------
# Starting engines is mostly downloading and waiting; the checks below are CPU-bound. The engines
# come up in the background (their output in .netform/test/engines.log, shown when it is needed).
out=.netform/test
rm -rf "$out"
mkdir -p "$out"
specs=(${NETFORM_TEST_ENGINES:-host ci26:26.1 ci28:28.5})
if [ -n "${NETFORM_TEST_SECOND_DOCKER_HOST:-}" ] && [ ${#specs[@]} -gt 1 ]; then
  echo "NETFORM_TEST_SECOND_DOCKER_HOST is for one engine run; ${#specs[@]} runs would share that engine" >&2
  exit 1
fi
# Another version than the run's own for its second engine: 28.5, or 20.10 beside a 28.5.
second_version_of() { case $1 in 28.5*) echo 20.10 ;; *) echo 28.5 ;; esac; }
# start_spec SPEC: the engine of one run, then its second engine.
start_spec() {
  local spec=$1 name version
  if [ "$spec" = host ]; then
    bash scripts/ensure-docker.sh
    name=host version=$(docker version --format '{{.Server.Version}}')
  else
    name=${spec%%:*} version=${spec#*:}
    bash scripts/engines.sh up "$name" "$version"
  fi
  if [ -z "${NETFORM_TEST_SECOND_DOCKER_HOST:-}" ]; then
    bash scripts/engines.sh up "$name-b" "$(second_version_of "$version")"
  fi
}
# The first run's engines and the swarm first: the Swarm tests, the longest run, start as soon as
# those answer (their global setup needs the first run's engine), before the unit tests.
start_engines() {
  local spec
  start_spec "${specs[0]}"
  # The Swarm engine tests (test/engine/swarm*.test.ts) run on a two-node swarm of their own.
  if [ "$(id -u)" -eq 0 ]; then bash scripts/swarm.sh up; fi
  touch "$out/swarm-up"
  for spec in "${specs[@]:1}"; do start_spec "$spec"; done
}
step "starting the engines in the background: ${specs[*]}, a second engine for each, the two-node swarm"
start_engines >"$out/engines.log" 2>&1 &
engines_pid=$!

# The three static checks at the same time (each mostly one core; measured one after another:
# 10 s, 25 s and 11 s), each one's output shown once it ends, in this order.
step "typecheck, lint and format check, at the same time"
static_pids=()
for check in typecheck lint format:check; do
  npm run --silent "$check" >"$out/$check.log" 2>&1 &
  static_pids+=($!)
done
static_failed=0
i=0
for check in typecheck lint format:check; do
  if wait "${static_pids[$i]}"; then status=passed; else status=failed static_failed=1; fi
  step "$check: $status"
  cat "$out/$check.log"
  i=$((i + 1))
done
[ "$static_failed" = 0 ] || exit 1
ensure_build

engines_failed() {
  cat "$out/engines.log" >&2
  echo "the engines did not come up (above): the engine tests need them" >&2
  exit 1
}
# --- the tests ----------------------------------------------------------------------------------
export NETFORM_TEST_BUILT=1  # built above: the engine runs must not all rebuild dist/ at once
jobs_pids=()
jobs_names=()

# run_job NAME DOCKER_HOST VITEST-ARGS...: one vitest run, its output in $out/NAME.log, its counts
# in $out/NAME.json.
run_job() {
  local name=$1 host=$2
  shift 2
  local cmd=(npx vitest run "$@" --reporter=default --reporter=json "--outputFile.json=$out/$name.json")
  if [ -n "$host" ]; then
    env DOCKER_HOST="$host" "${cmd[@]}" >"$out/$name.log" 2>&1
  else
    env -u DOCKER_HOST "${cmd[@]}" >"$out/$name.log" 2>&1
  fi
}

start_job() {
  local name=$1
  printf '%s: started\n' "$name" >&2
  if [ "${NETFORM_TEST_SERIAL:-0}" = 1 ]; then
    run_job "$@" || true
    finish_job "$name"
  else
    run_job "$@" &
    jobs_pids+=($!)
    jobs_names+=("$name")
  fi
}

finish_job() {
  step "tests: $1"
  cat "$out/$1.log"
}

# The Swarm tests (their engines are the swarm's two Docker 28.5 engines, whatever the run's engine)
# run once, in a run of their own beside the others: they spend most of their time waiting for the
# swarm (tasks converging, "in use" retries), which leaves the cores to the others. They are the
# longest run, so they start first, as soon as the swarm and the first run's engine answer (their
# global setup needs an engine to answer too: the first run's; without root there is no swarm, and
# they fail saying so), while the other engines are still starting and the unit tests run.
step "waiting for the first run's engine and the swarm (scripts/engines.sh, scripts/swarm.sh)"
engines_waited=0
until [ -e "$out/swarm-up" ]; do
  if ! kill -0 "$engines_pid" 2>/dev/null; then
    engines_waited=1
    wait "$engines_pid" || engines_failed
    [ -e "$out/swarm-up" ] || engines_failed
  fi
  sleep 1
done
case ${specs[0]} in
  host) first_host=${DOCKER_HOST:-} ;;
  *) first_host=$(bash scripts/engines.sh host "${specs[0]%%:*}") ;;
esac
# The filter is a path prefix: every test/engine/swarm*.test.ts.
NETFORM_TEST_ENGINE_WORKERS=1 start_job swarm "$first_host" --project engine test/engine/swarm
swarm_pid=
if [ ${#jobs_pids[@]} -gt 0 ]; then swarm_pid=${jobs_pids[0]}; fi
jobs_pids=()
jobs_names=()

# The unit tests before the engine runs: their property tests are CPU-bound and would compete with
# them for the two cores (the Swarm run beside them mostly waits).
step "tests: unit"
run_job unit "" --project unit || true
cat "$out/unit.log"
summary=(unit)
step "waiting for the other engines"
if [ "$engines_waited" = 0 ]; then wait "$engines_pid" || engines_failed; fi
cat "$out/engines.log" >&2

legs=()  # "NAME|VERSION|DOCKER_HOST|SECOND_DOCKER_HOST" (an empty DOCKER_HOST: the local socket)
started=()
for spec in "${specs[@]}"; do
  if [ "$spec" = host ]; then
    name=host host=${DOCKER_HOST:-}
    version=$(docker version --format '{{.Server.Version}}')
  else
    name=${spec%%:*}
    started+=("$name")
    host=$(bash scripts/engines.sh host "$name")
    version=$(DOCKER_HOST=$host docker version --format '{{.Server.Version}}')
  fi
  second=${NETFORM_TEST_SECOND_DOCKER_HOST:-}
  if [ -z "$second" ]; then
    started+=("$name-b")
    second=$(bash scripts/engines.sh host "$name-b")
  fi
  legs+=("$name|$version|$host|$second")
done

# Engine tests that run on one engine only (NETFORM_TEST_ONCE=0 runs them on all): compose-config
# compares netform's reading of Compose files with `docker compose config` (no engine involved);
# watch-image builds and runs the watch container image; random-apply walks random specs through
# the apply path every other file tests on each engine; fleet-context reads docker contexts;
# watch-engines follows two engines with one watch (the watch of each engine's own events is
# watch.test.ts, run on every engine). With
# several runs they go to the runs after the first, in turn, heaviest first (measured with three:
# watch-image 35 s, compose-config 29 s, random-apply 27 s, fleet-context 1 s), because the first
# run, the host's 20.10, is the slowest (its Compose differential alone took 226 s against 120-138
# s on 26.1 and 28.5) and had been the last to end by about as long as they take.
ONCE=(watch-image compose-config random-apply fleet-context watch-engines)
# once_of LEG: the --exclude arguments of run LEG (0-based) of the ${#legs[@]} runs.
once_of() {
  local leg=$1 k
  if [ "${NETFORM_TEST_ONCE:-1}" != 1 ] || [ ${#legs[@]} -eq 1 ]; then return 0; fi
  for k in "${!ONCE[@]}"; do
    [ "$leg" -eq $((1 + k % (${#legs[@]} - 1))) ] || printf '%s\n' --exclude "test/engine/${ONCE[$k]}.test.ts"
  done
}
# The Swarm tests run apart (above).
swarm_excluded=(--exclude 'test/engine/swarm*.test.ts')
step "tests: engine tests on ${#legs[@]} engine(s), beside the Swarm tests"
for i in "${!legs[@]}"; do
  IFS='|' read -r name version host second <<<"${legs[$i]}"
  excluded=("${swarm_excluded[@]}")
  mapfile -t once_excluded < <(once_of "$i")
  excluded+=("${once_excluded[@]}")
  # The restart engine runs the run's own version where scripts/engines.sh has it.
  restart_version=20.10
  case $version in 26.1*) restart_version=26.1 ;; 28.5*) restart_version=28.5 ;; esac
  NETFORM_TEST_SECOND_DOCKER_HOST=$second NETFORM_RESTART_ENGINE=$name-rs \
    NETFORM_RESTART_ENGINE_VERSION=$restart_version \
    start_job "engine-$name" "$host" --project engine "${excluded[@]}"
  without=("the Swarm tests")
  for ((j = 1; j < ${#once_excluded[@]}; j += 2)); do
    file=${once_excluded[$j]#test/engine/}
    without=("${file%.test.ts}" "${without[@]}")
  done
  summary+=("engine-$name|engine tests on Docker $version ($name${host:+, $host}), without ${without[*]}")
done
# The Swarm run, started above, is reported last.
# (With NETFORM_TEST_SERIAL=1 it ran, and was reported, before the unit tests.)
if [ -n "$swarm_pid" ]; then
  jobs_pids+=("$swarm_pid")
  jobs_names+=(swarm)
fi
summary+=("swarm|Swarm tests on the two-node swarm (scripts/swarm.sh)")
for i in "${!jobs_pids[@]}"; do
  wait "${jobs_pids[$i]}" || true
  finish_job "${jobs_names[$i]}"
done

if [ "${NETFORM_TEST_ENGINES_DOWN:-0}" = 1 ] && [ ${#started[@]} -gt 0 ]; then
  step "stopping the engines this run started"
  bash scripts/engines.sh down "${started[@]}"
fi

# One line per run, then one plain closing line for all of them. A run that wrote no report
# (it crashed) counts as one failure.
node - "$out" "${summary[@]}" <<'EOF'
const { existsSync, readFileSync } = require('node:fs');
const [dir, ...names] = process.argv.slice(2);
let passed = 0;
let failed = 0;
for (const entry of names) {
  const [job, what = 'unit tests'] = entry.split('|');
  const file = `${dir}/${job}.json`;
  const r = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  const p = r?.numPassedTests ?? 0;
  const f = r ? r.numFailedTests + (r.success || r.numFailedTests > 0 ? 0 : 1) : 1;
  passed += p;
  failed += f;
  console.log(`${what}: ${p} passed, ${f} failed${r ? '' : ' (no report: see its log above)'}`);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
EOF
