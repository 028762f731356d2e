#!/usr/bin/env bash
# The main job on the bundled example: validate, plan, apply, and a second plan that is empty.
# Works on a fresh Debian machine as root: installs what it needs and starts docker.io if no
# engine answers. The example only uses names starting with netform-demo- and 10.213.120.0/21.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node
ensure_deps
ensure_build
ensure_engine

SPEC=examples/quickstart/netform.yaml
# Logs (pino JSON on stderr) are for pipelines; the demo shows the results only.
netform() { node dist/netform.js --log-level warn "$@"; }

step "validating every bundled example offline"
for f in examples/*/netform.yaml; do
  printf '%s: ' "$f"
  netform validate --offline -f "$f" | tail -n 1
done

step "a container for the example (image built locally with docker import: there is no registry)"
node scripts/busybox-image.mjs netform-demo/busybox:1
if ! docker container inspect netform-demo-explorer >/dev/null 2>&1; then
  docker run -d --name netform-demo-explorer --label io.netform.demo=true netform-demo/busybox:1 sleep 2147483647 >/dev/null
  echo "started container netform-demo-explorer"
else
  echo "container netform-demo-explorer exists"
fi

if docker network ls -q --filter label=io.netform.project=netform-demo | grep -q .; then
  step "starting over: netform destroy -f $SPEC (removes what an earlier run of this demo made)"
  netform destroy -f "$SPEC" --auto-approve
fi

step "netform validate -f $SPEC"
netform validate -f "$SPEC"

step "netform plan -f $SPEC"
set +e
netform plan -f "$SPEC" --detailed-exitcode
code=$?
set -e
[ "$code" -eq 1 ] && exit 1

step "netform apply -f $SPEC --auto-approve"
netform apply -f "$SPEC" --auto-approve

step "netform plan -f $SPEC   (again: the engine now matches, so nothing to do)"
netform plan -f "$SPEC" --detailed-exitcode

step "done"
cat <<MSG
The engine now has the networks of $SPEC with netform-demo-explorer on them:
  docker network ls --filter label=io.netform.project=netform-demo
  docker inspect netform-demo-explorer --format '{{json .NetworkSettings.Networks}}'
To remove them:
  node dist/netform.js destroy -f $SPEC --auto-approve && docker rm -f netform-demo-explorer
MSG
