"""Printable documents: the notices (corrections, conditional acceptance, termination) and the
approval certificate with its QR code, rendered from Django templates by WeasyPrint.

Chinese text needs the Noto CJK font installed (Debian: fonts-noto-cjk); the templates ask for
"Noto Sans CJK SC" by name.
"""

import segno
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from cunzhi.core.links import absolute_url


def verify_path(code: str = "") -> str:
    """/verify/<code> when the project mounts the public page at the root, else this app's copy."""
    for name in ("verify:check", "applications:verify_check"):
        try:
            return reverse(name, args=[code]) if code else reverse(name.replace("check", "form"))
        except NoReverseMatch:
            continue
    return ""


def verify_url(code: str) -> str:
    """The address printed under the certificate's QR code."""
    return absolute_url(verify_path(code))


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI: sharp in print, no image file to manage."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def pdf_bytes(template: str, context: dict) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def pdf_response(data: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
