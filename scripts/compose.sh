#!/usr/bin/env bash
# Docker Compose v2 from Debian sid's docker-compose package, for the Compose differential tests
# (docs/compose.md). Downloaded with a private apt sources list into /opt/netform-engines/compose
# and never installed over the host's packages; the plugin binary runs standalone as well.
#
#   bash scripts/compose.sh install   download it unless it is already there (idempotent)
#   bash scripts/compose.sh path      print the binary's path (installing it first when missing)
#   bash scripts/compose.sh version   print its version
set -euo pipefail

say() { printf 'compose: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

DIR=/opt/netform-engines/compose
BIN=$DIR/bin/docker-compose
SUITE=sid

installed() { [ -x "$BIN" ] && "$BIN" version --short >/dev/null 2>&1; }

cmd_install() {
  if installed; then
    say "Compose $("$BIN" version --short) already at $BIN"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die "downloading into $DIR needs root (run it with sudo)"
  command -v apt-get >/dev/null 2>&1 || die "apt-get is needed to download Debian's docker-compose package"
  say "downloading Debian $SUITE's docker-compose into $DIR (private apt lists; the host's packages are untouched)"
  rm -rf "$DIR"
  mkdir -p "$DIR/lists/partial" "$DIR/archives/partial" "$DIR/x" "$DIR/bin"
  # The mirror the host's own apt sources name (deb822 or one-line form), never the security one.
  local uri
  uri=$({ grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | sed 's/^URIs: *//' | tr ' ' '\n'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -E '^https?://' | grep -v -- '-security' | head -n 1 || true)
  [ -n "$uri" ] || die "cannot find the Debian mirror in the host's apt sources"
  echo "deb $uri $SUITE main" >"$DIR/sources.list"
  local A=(-o "Dir::Etc::sourcelist=$DIR/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$DIR/lists" -o "Dir::Cache::Archives=$DIR/archives" -o APT::Sandbox::User=root)
  apt-get "${A[@]}" update -qq >/dev/null
  (cd "$DIR" && apt-get "${A[@]}" download "docker-compose/$SUITE" >/dev/null)
  for p in "$DIR"/*.deb; do dpkg-deb -x "$p" "$DIR/x"; done
  cp "$DIR/x/usr/libexec/docker/cli-plugins/docker-compose" "$BIN"
  rm -rf "$DIR/x" "$DIR"/*.deb "$DIR/archives" "$DIR/lists"
  installed || die "the downloaded $BIN does not run"
  say "Compose $("$BIN" version --short) installed at $BIN"
}

case "${1:-}" in
  install) cmd_install ;;
  path) installed || cmd_install; echo "$BIN" ;;
  version) installed || cmd_install; "$BIN" version --short ;;
  *) die "usage: compose.sh install | path | version" ;;
esac
