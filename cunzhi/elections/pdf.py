"""Printed papers of an election, rendered from Django templates by WeasyPrint (Chinese needs the Noto CJK
font: Debian's fonts-noto-cjk): a station's numbered ballots, and the announcement of the result."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from cunzhi.elections import services
from cunzhi.elections.models import Election, Round, Station


def _pdf(template: str, context: dict[str, object]) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = render_to_string(template, context)
    return bytes(HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf())


def ballots(*, station: Station, round_: int = Round.FIRST) -> bytes:
    """The station's ballots, numbered from its first number: the count checks issued = returned + unused."""
    election = station.election
    cands = services.round_candidates(election, round_)
    if round_ == Round.FIRST:
        seats = election.seats
    else:
        seats = int((election.result or {}).get("first", {}).get("empty_seats", 0))
    numbers = range(station.first_number, station.first_number + station.ballots)
    return _pdf(
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
