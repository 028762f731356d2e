#!/usr/bin/env bash
# Assembles the build context of deploy/Dockerfile in DIR: dist/ (the CLI bundle dist/netform.js
# and the library; run `npm run build` first), schemas/, package.json and the production dependencies, installed with npm ci from the
# lock file. Then: docker build --build-arg BASE=IMAGE -t netform DIR (docs/watch.md).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-}
[ -n "$out" ] || { echo "usage: deploy/image-context.sh DIR" >&2; exit 2; }
[ -f "$root/dist/netform.js" ] || { echo "image-context: no dist/ yet: run npm run build first" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out"
cp -r "$root/dist" "$root/schemas" "$root/package.json" "$root/package-lock.json" "$out/"
cp "$root/deploy/Dockerfile" "$out/Dockerfile"
printf 'Dockerfile\n' >"$out/.dockerignore"
(cd "$out" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "image-context: $out is ready; build it with: docker build --build-arg BASE=IMAGE -t netform $out" >&2
