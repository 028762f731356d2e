# Shared set-up for scripts/demo.sh and scripts/test.sh: Node 20+, the npm dependencies, a built
# netform, and a reachable Docker engine. Sourced, not run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing Node.js from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  fi
  if [ "$major" -lt 20 ]; then
    echo "netform needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
    echo "Install it (https://nodejs.org or your distribution's nodejs 20+ package) and run this again." >&2
    exit 1
  fi
}

ensure_deps() {
  # Reinstall only when package-lock.json changed since the last install.
  if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.netform-lock-stamp 2>/dev/null; then
    step "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.netform-lock-stamp
  fi
}

ensure_build() {
  step "building netform (tsc, then the CLI bundle with esbuild)"
  npm run --silent build
}

ensure_engine() {
  step "making sure a Docker engine answers"
  bash scripts/ensure-docker.sh
}
