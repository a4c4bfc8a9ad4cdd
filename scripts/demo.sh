#!/usr/bin/env bash
# Set everything up and start the demo: SQLite database, demo county, web server and task worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
PORT=${PORT:-8000}
# Every link that leaves the page (texts, e-mails, PDFs, QR codes, calendar files, certificates) is
# built from SITE_URL: the web server, the worker and seed_demo must all see the demo's own port.
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"
# SMS through a real gateway: Kannel with Kannel's test operator (fakesmsc) on this machine.
export SMS_BACKEND=kannel KANNEL_SENDSMS_URL=http://127.0.0.1:13013/cgi-bin/sendsms KANNEL_SENDER=106900001
export KANNEL_PASSWORD="${KANNEL_PASSWORD:-demo-$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export KANNEL_SECRET="${KANNEL_SECRET:-$KANNEL_PASSWORD}" KANNEL_DLR_URL="$SITE_URL/notify/sms/delivery-report/"
PY=.venv/bin/python
echo "==> starting the SMS gateway (Kannel, fakesmsc as the operator)"
mkdir -p data
$PY manage.py kannel >data/kannel.log 2>&1 &
kannel=$!
trap 'kill $kannel 2>/dev/null || true' EXIT INT TERM
echo "==> preparing the database"
$PY manage.py migrate -v0  # also makes the cache table (core migration 0003)
$PY manage.py seed_demo
echo "==> starting the task worker, the scheduler, the mail receiver and the web server"
$PY manage.py task_worker >data/worker.log 2>&1 &
worker=$!
# Periodic jobs (notification retries, later deadline checks): enqueued every minute, run by the worker.
$PY manage.py scheduler >data/scheduler.log 2>&1 &
scheduler=$!
# Missing application materials sent by e-mail arrive here (SMTP on 127.0.0.1:2525, docs/applications.md).
$PY manage.py applications_mail_receiver >data/mail-receiver.log 2>&1 &
mail=$!
trap 'kill $worker $scheduler $mail $kannel 2>/dev/null || true' EXIT INT TERM
echo
echo "    Open http://127.0.0.1:$PORT/ and log in with one of the accounts above. Ctrl-C stops."
echo "    Texts the phones received: data/kannel/operator.log. A phone replies:"
echo "    .venv/bin/python manage.py kannel --phone 13800000001 TD"
echo
PORT=$PORT scripts/web.sh --access-logfile - --error-logfile -
