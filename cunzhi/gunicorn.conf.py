"""gunicorn settings for the web server (scripts/web.sh, `make demo`, docs/operations.md).

Threaded workers. A sync worker serves one connection at a time: two connections opened and left
idle (a phone on a bad network, or anyone who wants to) held both workers of the demo until the
30-second timeout, and /healthz answered after 33 s. A gthread worker gives a new connection to one
of its threads for at most 5 s while nothing arrives, then parks it in its poller at no cost and
closes it after `keepalive`; meanwhile the other threads serve everyone else.

A client that begins a request and sends it very slowly still holds one thread until it finishes.
On the Internet, put the reverse proxy of docs/operations.md in front: it reads whole requests
before passing them on, so slow clients never reach gunicorn.

Environment: WEB_WORKERS (2: one per core), WEB_THREADS (16 per worker), WEB_TIMEOUT (30 s).
With PostgreSQL, each thread that served a request keeps its database connection for CONN_MAX_AGE:
workers x threads x servers must stay under max_connections (or use PgBouncer).
"""

import os

worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "16"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
keepalive = 5  # seconds an idle connection is kept between requests


def post_worker_init(worker: object) -> None:
    """Freeze what the worker loaded (Django, the apps, their modules): the collector's full passes skip
    those objects from then on. Without it, one request in ten or so paid for a full pass over a quarter of a
    million objects: the county's figures page at ten times a county, p95 203 ms against a median of 75 ms;
    frozen, 132 ms (bench/insights.py freezes its page process the same way)."""
    import gc

    gc.collect()
    gc.freeze()
