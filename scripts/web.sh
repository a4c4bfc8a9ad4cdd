#!/usr/bin/env bash
# The web server as the demo runs it (docs/operations.md): gunicorn with threaded workers, which
# idle and slow clients cannot tie up (cunzhi/gunicorn.conf.py). PORT (8000) or BIND; extra
# arguments go to gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/gunicorn cunzhi.wsgi -c cunzhi/gunicorn.conf.py -b "${BIND:-127.0.0.1:${PORT:-8000}}" "$@"
