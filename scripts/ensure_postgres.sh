#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 for the tests: start the local cluster
# if it is installed but stopped, install it from Debian's packages if it is missing.
set -euo pipefail
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
command -v pg_isready >/dev/null 2>&1 || {
  echo "==> installing PostgreSQL"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql >/dev/null
}
ready && exit 0
echo "==> starting PostgreSQL"
version=$(ls /etc/postgresql | sort -n | tail -1)
pg_ctlcluster --skip-systemctl-redirect "$version" main start
# Tests connect as the postgres role over TCP without a password (a throwaway local server).
conf=/etc/postgresql/$version/main/pg_hba.conf
if ! grep -q "cunzhi-tests" "$conf"; then
  sed -i '1i host all postgres 127.0.0.1/32 trust # cunzhi-tests' "$conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL did not start" >&2; exit 1
