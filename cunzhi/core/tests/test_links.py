"""One setting (SITE_URL) builds every absolute link: the builder, the setting's defaults, the demo."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from cunzhi.core.links import absolute_url

ROOT = Path(django_settings.BASE_DIR)


def test_absolute_url_joins_the_site_address_and_a_path(settings):
    settings.SITE_URL = "https://cunzhi.example.gov.cn:8443/"
    assert absolute_url("/concerns/9lbmphgNi74p/") == "https://cunzhi.example.gov.cn:8443/concerns/9lbmphgNi74p/"
    assert absolute_url("verify/abc?x=1#q") == "https://cunzhi.example.gov.cn:8443/verify/abc?x=1#q"
    # Already absolute (a stream on another site): left alone.
    assert absolute_url("https://meeting.tencent.com/dm/abc") == "https://meeting.tencent.com/dm/abc"
    assert absolute_url("") == "https://cunzhi.example.gov.cn:8443/"


def _site_url_from_env(monkeypatch, **env) -> str:
    """SITE_URL as the settings file computes it from this environment (the file run afresh)."""
    for name in ("SITE_URL", "NOTIFY_BASE_URL", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("_settings_probe", ROOT / "cunzhi" / "settings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SITE_URL


def test_site_url_follows_the_port_unless_set(monkeypatch):
    assert _site_url_from_env(monkeypatch) == "http://127.0.0.1:8000"
    assert _site_url_from_env(monkeypatch, PORT="8123") == "http://127.0.0.1:8123"
    assert _site_url_from_env(monkeypatch, PORT="8123", SITE_URL="https://cz.example.org/") == "https://cz.example.org"
    # The old name still works (deprecated).
    assert _site_url_from_env(monkeypatch, NOTIFY_BASE_URL="https://old.example.org") == "https://old.example.org"


def test_demo_passes_its_port_to_every_process_it_starts():
    script = (ROOT / "scripts" / "demo.sh").read_text()
    export = re.search(r'^export SITE_URL="\$\{SITE_URL:-http://127\.0\.0\.1:\$PORT\}"$', script, re.MULTILINE)
    assert export, "demo.sh must export SITE_URL built from PORT"
    # Exported before the web server, the worker (which sends the notices) and seed_demo start.
    starts = [
        script.find(cmd) for cmd in ("manage.py seed_demo", "manage.py task_worker", "scripts/web.sh", "bin/gunicorn")
    ]
    first_start = min(i for i in starts if i >= 0)
    assert export.start() < first_start


def test_a_site_url_without_scheme_or_host_is_refused_by_the_checks(settings):
    from cunzhi.core.checks import site_url_check

    settings.SITE_URL = "cunzhi.example.gov.cn"
    assert [e.id for e in site_url_check(None)] == ["cunzhi.E401"]
    settings.SITE_URL = "https://cunzhi.example.gov.cn"
    assert site_url_check(None) == []


@pytest.mark.parametrize(
    "name", ["points:board", "points:rules", "ledger:village", "elections:create", "concerns:board", "regions:detail"]
)
def test_region_url_is_reverse_for_any_code_and_script_prefix(name):
    """The address is reversed once per view and the code put in its place: the same address as reverse(), under
    a script prefix too (a site served below a path); a code that is not 12 digits goes through reverse()."""
    from django.urls import reverse, set_script_prefix

    from cunzhi.core.links import region_url

    try:
        for prefix in ("/", "/cunzhi/"):
            set_script_prefix(prefix)
            for code in ("330523100201", "330523100000", "330523100201001"):
                assert region_url(name, code) == reverse(name, args=[code])
            assert region_url(name, "330523100201").startswith(prefix)
    finally:
        set_script_prefix("/")
