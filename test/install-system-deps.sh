#!/usr/bin/env bash
# Installs the Debian packages that some tests need, when they are missing: PostgreSQL for the
# gate's tests (each starts a throwaway server of its own) and Chromium for the HTML report's
# browser test. Without root or apt-get, it prints which tests will skip instead.
set -euo pipefail

missing=()
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: ${missing[*]} not installed and this is not a root Debian shell; the tests that need them will skip." >&2
  exit 0
fi
echo "Installing ${missing[*]} from Debian for the tests."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
