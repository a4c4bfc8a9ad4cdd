"""A 12-month line as inline SVG, drawn on the server: no JavaScript, readable by a screen reader.

Months with nothing to count, or too few cases for a rate, are gaps in the line (not zeros): a line
through them would draw a trend that is not there.
"""

from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

WIDTH, HEIGHT, PAD = 120, 28, 3


def _text(point: dict[str, Any], kind: str) -> str:
    if point["too_few"]:
        return _("too few")
    if point["value"] is None:
        return "—"
    return str(point["num"]) if kind == "count" else f"{point['value'] * 100:.0f} %"


def sparkline(points: list[dict[str, Any]], *, kind: str, label: str) -> SafeString:
    """An <svg> of the points ({"month", "value", "too_few", ...}); values are shares (0-1) or counts."""
    values = [p["value"] for p in points]
    known = [v for v in values if v is not None]
    top = 1.0 if kind == "rate" else max([float(v) for v in known] + [1.0])
    step = (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    segments: list[list[str]] = [[]]
    dots = []
    for i, v in enumerate(values):
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        x = PAD + i * step
        y = HEIGHT - PAD - (float(v) / top) * (HEIGHT - 2 * PAD)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        month_value = {"month": f"{points[i]['month']:%Y-%m}", "value": _text(points[i], kind)}
        dots.append((f"{x:.1f}", f"{y:.1f}", _("%(month)s: %(value)s") % month_value))
    # Separators are translated: Chinese text takes full-width punctuation.
    summary = pgettext("list separator", "; ").join(
        _("%(month)s: %(value)s") % {"month": f"{p['month']:%Y-%m}", "value": _text(p, kind)} for p in points
    )
    title = _("%(label)s: %(summary)s") % {"label": label, "summary": summary}
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.5"/>',
        ((" ".join(s),) for s in segments if len(s) > 1),
    )
    circles = format_html_join(
        "", '<circle cx="{}" cy="{}" r="1.8" fill="currentColor"><title>{}</title></circle>', dots
    )
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{label}">'
        "<title>{title}</title>"
        '<line x1="0" y1="{base}" x2="{w}" y2="{base}" stroke="currentColor" stroke-opacity=".25"/>'
        "{lines}{circles}</svg>",
        w=WIDTH,
        h=HEIGHT,
        base=HEIGHT - PAD,
        label=label,
        title=title,
        lines=lines,
        circles=circles,
    )
