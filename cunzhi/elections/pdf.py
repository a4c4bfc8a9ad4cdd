"""Printed papers of an election, rendered from Django templates by WeasyPrint (Chinese needs the Noto CJK
font: Debian's fonts-noto-cjk): a station's numbered ballots, and the announcement of the result."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from cunzhi.elections import services
from cunzhi.elections.models import Election, Round, Station


def _render(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def _pdf(template: str, context: dict[str, object]) -> bytes:
    return _render(render_to_string(template, context))


def _kept_pdf(template: str, context: dict[str, object]) -> bytes:
    """A PDF made once for its content: a station's ballots (hundreds of them, several seconds of WeasyPrint)
    are printed by more than one person and again, and change only when the station or the candidates do.
    Kept in the private file storage under the hash of their HTML; a change is a new name."""
    html = render_to_string(template, context)
    name = f"elections/printed/{hashlib.sha256(html.encode()).hexdigest()[:32]}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as handle:
            return bytes(handle.read())
    data = _render(html)
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # two first requests at once: the second copy (same bytes) is not kept
        default_storage.delete(saved)
    return data


def ballots(*, station: Station, round_: int = Round.FIRST) -> bytes:
    """The station's ballots, numbered from its first number: the count checks issued = returned + unused."""
    election = station.election
    cands = services.round_candidates(election, round_)
    if round_ == Round.FIRST:
        seats = election.seats
    else:
        seats = int((election.result or {}).get("first", {}).get("empty_seats", 0))
    numbers = range(station.first_number, station.first_number + station.ballots)
    return _kept_pdf(
        "elections/ballots_pdf.html",
        {
            "election": election,
            "station": station,
            "candidates": cands,
            "numbers": numbers,
            "seats": seats,
            "runoff": round_ == Round.RUNOFF,
        },
    )


def announcement(*, election: Election, rows: list[dict[str, object]]) -> bytes:
    return _pdf(
        "elections/announcement_pdf.html",
        {"election": election, "rows": rows, "result": election.result, "printed_on": timezone.localdate()},
    )


def response(data: bytes, filename: str) -> HttpResponse:
    out = HttpResponse(data, content_type="application/pdf")
    out["Content-Disposition"] = f'inline; filename="{filename}"'
    out["Cache-Control"] = "private, no-store"
    return out
