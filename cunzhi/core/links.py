"""Absolute addresses of this site, for every link that leaves the browser.

Texts, e-mails, printed PDFs, QR codes, calendar files and certificates are read away from the
page that made them, so their links must carry scheme, host and port. One setting builds them
all (settings.SITE_URL), so a site moved to another address or port changes every link at once.
"""

import functools
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def absolute_url(path: str = "") -> str:
    """The full address of a path on this site; an address that is already absolute is left alone."""
    if urlsplit(path).scheme:
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


_CODE = "999999999999"  # stands for a 12-digit area code in a reversed address


@functools.lru_cache(maxsize=256)
def _around_code(name: str, urlconf: str, script_prefix: str) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_CODE]).partition(_CODE)
    return before, after


def region_url(name: str, code: str) -> str:
    """`reverse(name, args=[code])` for a page of one region (a village's board, its ledger), as lists of a
    county's 300 villages link them: the address is reversed once per view and the code put in its place.
    reverse() costs ~50 µs, and three links per village cost a county administrator's list ~45 ms."""
    if len(code) != len(_CODE) or not code.isdigit():
        return reverse(name, args=[code])
    before, after = _around_code(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    return f"{before}{code}{after}"
