#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1:6379 (the tests of the Redis task backend and cache
# use databases 13 and 14 there): start it if installed, install it from Debian's packages if missing.
set -euo pipefail
ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
command -v redis-server >/dev/null 2>&1 || {
  echo "==> installing Redis"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends redis-server >/dev/null
}
ready && exit 0
echo "==> starting Redis"
redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "Redis did not start" >&2; exit 1
