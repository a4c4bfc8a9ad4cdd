"""The printed notice: every post as an A4 PDF for the notice board, with a QR code to the online post."""

from __future__ import annotations

import re

import segno
from django.template.loader import render_to_string
from django.utils import timezone

from cunzhi.disclosure.models import Post
from cunzhi.ledger.selectors import period_head, period_verify_url


def qr_data_uri(url: str) -> str:
    """An SVG QR code (error correction M: survives a little rain and sun on the board) as a data URI."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?%?$")


def tables_view(tables: list[dict]) -> list[dict]:
    """Tables ready to show: each cell with a flag for right-aligned numbers (whole numeric columns)."""
    out = []
    for t in tables or []:
        rows = t.get("rows", [])
        width = max([len(t.get("header", []))] + [len(r) for r in rows]) if (rows or t.get("header")) else 0
        numeric = []
        for c in range(width):
            cells = [str(r[c]) for r in rows if c < len(r) and str(r[c]).strip()]
            numeric.append(bool(cells) and all(_NUMBER.match(x) for x in cells))
        out.append(
            {
                "title": t.get("title", ""),
                "header": t.get("header", []),
                "rows": [[(cell, c < width and numeric[c]) for c, cell in enumerate(r)] for r in rows],
            }
        )
    return out


def post_pdf(*, post: Post, url: str, approvals=(), extra: dict | None = None) -> bytes:
    """Render the post as an A4 notice (WeasyPrint, Noto Sans CJK SC)."""
    from weasyprint import HTML

    extra = dict(extra or {})
    if post.ledger_period_id:
        # A finance notice from the ledger carries the full chain head signed off, in a second QR code:
        # the board's paper copy is a witness the database cannot reach.
        verify_url = period_verify_url(period=post.ledger_period)
        seq, head = period_head(period=post.ledger_period)
        extra.update(ledger_verify_url=verify_url, ledger_qr=qr_data_uri(verify_url), ledger_seq=seq, ledger_head=head)
    html = render_to_string(
        "disclosure/print.html",
        {
            "post": post,
            "url": url,
            "tables": tables_view(post.tables),
            "qr": qr_data_uri(url),
            "approvals": approvals,
            "printed_at": timezone.localtime(),
            **extra,
        },
    )
    return HTML(string=html).write_pdf()
