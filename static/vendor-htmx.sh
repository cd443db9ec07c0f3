#!/usr/bin/env bash
# Vendors htmx from the npm registry so upgrades are one repeatable step:
#   static/vendor-htmx.sh 4.0.1
# It checks the packed version and writes static/htmx-<version>.min.js.
set -euo pipefail
version="${1:-4.0.1}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@${version}" >/dev/null)
tar -xzf "$work/htmx.org-${version}.tgz" -C "$work"
got="$(node -p "require('$work/package/package.json').version")"
if [ "$got" != "$version" ]; then
  echo "vendor-htmx: asked for $version, npm gave $got" >&2
  exit 1
fi
rm -f "$here"/htmx-*.min.js
cp "$work/package/dist/htmx.min.js" "$here/htmx-${version}.min.js"
cp "$work/package/LICENSE" "$here/htmx-LICENSE"
echo "vendored htmx ${version} into static/htmx-${version}.min.js"
