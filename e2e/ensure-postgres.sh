#!/usr/bin/env bash
# The store and two-desk tests start throwaway PostgreSQL servers of their
# own (store/pgtest), from Debian's postgresql package. Install it when we
# can (root), otherwise stop with one line saying how: the tests are never
# skipped. The package's own cluster is not started: the tests use their
# own, on free ports, and need nothing left running.
set -euo pipefail
if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing postgresql for the store tests..."
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d answering 101 keeps the package's scripts from starting a
  # server (the standard Debian switch); an existing one is left alone.
  ours=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    ours=1
  fi
  trap 'if [ -n "$ours" ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  exit 0
fi
echo "The store tests need PostgreSQL: run 'sudo apt-get install -y postgresql' (or make test as root)." >&2
exit 1
