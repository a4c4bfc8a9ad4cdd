#!/usr/bin/env bash
# Extract translatable strings into every catalogue: the root one (locale/) and each app's own
# (cunzhi/<app>/locale/). Each app with its own catalogue is extracted from inside its folder, so
# one app's run never rewrites another's file. Then: scripts/po.py todo FILE, translate, fill.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$PWD/.venv/bin/python
ADMIN=$PWD/.venv/bin/django-admin  # not `python -m django`: an app's selectors.py would shadow the standard library's
ignore=(--ignore=.venv --ignore=tests --ignore="*/tests/*" --ignore=bench --ignore=node_modules)
for loc in cunzhi/*/locale; do
  app=${loc%/locale}
  ignore+=(--ignore="$app/*")
  if [ "${1:-}" = "" ] || [ "$1" = "$(basename "$app")" ]; then
    (cd "$app" && DJANGO_SETTINGS_MODULE=cunzhi.settings PYTHONPATH=../.. "$ADMIN" makemessages -l zh_Hans --no-obsolete -v0 --ignore=tests)
  fi
done
if [ "${1:-}" = "" ] || [ "$1" = "root" ]; then
  "$PY" manage.py makemessages -l zh_Hans --no-obsolete -v0 "${ignore[@]}"
fi
