#!/usr/bin/env bash
# The browser tests need Debian's chromium. Install it when we can (root),
# otherwise stop with one line saying how: the tests are never skipped.
set -euo pipefail
for bin in chromium chromium-browser; do
  if command -v "$bin" >/dev/null 2>&1; then exit 0; fi
done
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium: run 'sudo apt-get install -y chromium' (or make test as root)." >&2
exit 1
