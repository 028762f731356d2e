#!/usr/bin/env bash
# The whole test suite, as CI runs it: typecheck, lint, format check, build, unit tests and the
# engine tests against a real Docker engine (started from Debian's docker.io when none answers).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node
ensure_deps
ensure_engine
if [ "$(id -u)" -eq 0 ]; then
  step "two-node swarm for the Swarm engine tests (scripts/swarm.sh up)"
  bash scripts/swarm.sh up >/dev/null
fi
# The tests of several engines (test/engine/fleet*.test.ts) need a second engine of another version.
if [ -z "${NETFORM_TEST_SECOND_DOCKER_HOST:-}" ]; then
  step "starting a second engine (Docker 28.5, in its own network namespace) for the tests of several engines"
  bash scripts/engines.sh up fleet2 28.5
  NETFORM_TEST_SECOND_DOCKER_HOST=$(bash scripts/engines.sh host fleet2)
  export NETFORM_TEST_SECOND_DOCKER_HOST
fi

step "typecheck"
npm run --silent typecheck
step "lint"
npm run --silent lint
step "format check"
npm run --silent format:check
ensure_build

step "tests (unit and engine)"
mkdir -p .netform
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.netform/test-results.json
code=$?
set -e
# One plain closing line, whatever the reporter printed above.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".netform/test-results.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || true
exit "$code"
