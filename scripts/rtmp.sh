#!/usr/bin/env bash
# The RTMP ingest of the meetings' live stream (cameras, OBS): nginx with Debian's libnginx-mod-rtmp,
# configured by Cunzhi (cunzhi/meetings/live/rtmp.py), listening on MEETINGS_LIVE_RTMP_URL (127.0.0.1:1935
# by default), checking each stream key with this Cunzhi. Usage: scripts/rtmp.sh [http://127.0.0.1:8000]
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py live_rtmp --callback "${1:-http://127.0.0.1:8000}"
