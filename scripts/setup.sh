#!/usr/bin/env bash
# Install everything Cunzhi needs on a fresh Debian machine: system packages (Chromium and CJK
# fonts for browser tests and PDFs, gettext for translations), a virtualenv with the project,
# compiled translations. Safe to run again; it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need_apt+=(fonts-noto-cjk)
command -v msgfmt >/dev/null 2>&1 || need_apt+=(gettext)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint (PDF notices)
command -v pdftoppm >/dev/null 2>&1 || need_apt+=(poppler-utils)  # tests look inside generated PDFs
[ -x /usr/sbin/bearerbox ] || need_apt+=(kannel)  # the SMS gateway (cunzhi/notify/kannel.py)
[ -x /usr/lib/kannel/test/fakesmsc ] || need_apt+=(kannel-extras)  # fakesmsc: the operator of the demo and the tests
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)  # speech: the listen control and the loudspeaker (cunzhi/voice)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)  # speech encoded to MP3 and phone WAV (cunzhi/voice); meetings' stream
command -v npm >/dev/null 2>&1 || need_apt+=(npm)  # front-end libraries from the npm registry (package.json: hls.js; axe-core for the accessibility tests)
[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] || need_apt+=(libnginx-mod-rtmp)  # RTMP ingest of meetings' stream
# The cluster test (scripts/cluster.sh, docs/scaling.md): its own PostgreSQL (initdb), PgBouncer and Redis, as
# hosts in network namespaces (ip), checked with curl. Not needed to run Cunzhi on one machine.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
[ -x /usr/sbin/pgbouncer ] || need_apt+=(pgbouncer)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "==> installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.cunzhi-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi

# Front-end libraries (hls.js for the meetings' live stream, served by Django's staticfiles, never a CDN; axe-core,
# which the browser tests inject into pages to check accessibility).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing front-end libraries (npm ci)"
  npm ci --no-audit --no-fund --ignore-scripts >/dev/null
fi

echo "==> compiling translations"
.venv/bin/python manage.py compilemessages -v0 --ignore=.venv
