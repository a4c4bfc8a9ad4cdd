"""Absolute addresses of this site, for every link that leaves the browser.

Texts, e-mails, printed PDFs, QR codes, calendar files and certificates are read away from the
page that made them, so their links must carry scheme, host and port. One setting builds them
all (settings.SITE_URL), so a site moved to another address or port changes every link at once.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str = "") -> str:
    """The full address of a path on this site; an address that is already absolute is left alone."""
    if urlsplit(path).scheme:
        return path
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
