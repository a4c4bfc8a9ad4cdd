"""Ledger pages: a village's entries (public, payees masked), recording and reversing, periods, verification,
my payments, export.

Views parse input, ask ledger.rules, call a service or a selector, and render.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from cunzhi.core.dbrouter import on_replica
from cunzhi.core.files import file_intake, private_file_response
from cunzhi.core.ratelimits import limit_create
from cunzhi.core.tabular import xlsx_response_bytes
from cunzhi.core.views import forbidden_saying
from cunzhi.ledger import readers, rules, selectors, services
from cunzhi.ledger.forms import EntryFilterForm, EntryForm, PeriodCloseForm, ReverseForm
from cunzhi.ledger.models import Entry, FinanceCategory, Voucher
from cunzhi.people.actors import UserRequest
from cunzhi.people.rules import own_villager
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions.models import Region

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Recomputing a chain costs up to a second or two for a very large village: visitors get a few a minute.
VERIFY_RATE = "10/m"


# A refusal without its own words says who this page is for.
forbidden = forbidden_saying(gettext_lazy("Only the village's cadres keep the ledger."))


def _village_or_404(code: str) -> Region:
    village = selectors.village_by_code(code=code)
    if village is None:
        raise Http404
    return village


def _filters(request: HttpRequest) -> tuple[EntryFilterForm, dict[str, Any]]:
    form = EntryFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    return form, {}


def index(request: HttpRequest) -> HttpResponse:
    """Pick a village; a villager or a village's cadre goes straight to their own ledger."""
    user = request.user
    code = request.GET.get("village", "")
    if not code and "all" not in request.GET:
        home = selectors.home_village(user=user)
        if home is not None:
            return redirect("ledger:village", code=home.code)
    if code:
        return (
            redirect("ledger:village", code=code) if selectors.village_by_code(code=code) else redirect("ledger:index")
        )
    villages, choose, chosen = region_selectors.villages_by_township(
        selectors.villages_all(), township=request.GET.get("township", "")
    )
    heads = selectors.chain_heads(codes=[v.code for v in villages])
    for v in villages:
        v.head = heads.get(v.code)
    return render(
        request,
        "ledger/index.html",
        {
            "villages": villages,
            "choose_township": choose,
            "township": chosen,
            "has_payments": own_villager(user) is not None,
        },
    )


def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village's entries, newest first, with totals; payees masked except for officials and the payee."""
    user = request.user
    village = _village_or_404(code)
    form, f = _filters(request)
    qs = selectors.entries_of(
        village=village,
        direction=f.get("direction", ""),
        category=f.get("category", ""),
        start=f.get("start"),
        end=f.get("end"),
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.entries_mask(page.object_list, user=user)
    return render(
        request,
        "ledger/village.html",
        {
            "village": village,
            "form": form,
            "page": page,
            "chain": selectors.chain_of(village=village),
            "totals": selectors.totals_of(village=village, start=f.get("start"), end=f.get("end")),
            "filtered": any(f.values()),
            "can_record": rules.can_record(user, village.code),
            "can_sign_off": rules.can_sign_off(user, village.code),
            "official": rules.is_official(user, village.code),
        },
    )


@login_required
@limit_create
@require_http_methods(["GET", "POST"])
def entry_create(request: UserRequest, code: str) -> HttpResponse:
    """A cadre records an income or expenditure with its voucher photos."""
    user = request.user
    village = _village_or_404(code)
    if not rules.can_record(user, village.code):
        return forbidden(request)
    form = EntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            payee = None
            if d["payee_id_number"]:
                payee = selectors.villager_by_id_number(village=village, id_number=d["payee_id_number"])
                if payee is None:
                    raise ValidationError(
                        {
                            "payee_id_number": _("No villager of %(village)s has this ID number.")
                            % {"village": village.name}
                        }
                    )
            files = []
            for upload in d["vouchers"]:
                try:
                    files.append(file_intake(upload))
                except ValidationError as exc:
                    raise ValidationError({"vouchers": [f"{upload.name}: {m}" for m in exc.messages]}) from None
            entry = services.entry_append(
                village=village,
                actor=user,
                date=d["date"],
                direction=d["direction"],
                category=d["category"],
                amount_fen=d["amount"],
                counterparty=d["counterparty"],
                purpose=d["purpose"],
                payee=payee,
                vouchers=files,
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("Entry #%(seq)s recorded; its hash links it to the entry before.") % {"seq": entry.seq}
            )
            return redirect("ledger:village", code=village.code)
    return render(request, "ledger/entry_form.html", {"form": form, "village": village})


def entry_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """One entry with its hash and link, vouchers for those allowed, and the reversal form for cadres."""
    user = request.user
    entry = selectors.entry_by_public_id(public_id=public_id)
    if entry is None:
        raise Http404
    selectors.entries_mask([entry], user=user)
    reversed_by = type(entry).objects.filter(reverses=entry).only("public_id", "seq").first()
    can_reverse = rules.can_record(user, entry.region_code) and rules.can_reverse(entry, reversed_by=reversed_by)
    return render(
        request,
        "ledger/entry_detail.html",
        {
            "entry": entry,
            "reversed_by": reversed_by,
            "can_reverse": can_reverse,
            "form": ReverseForm(),
            "vouchers": list(entry.vouchers.all()) if rules.can_see_vouchers(user, entry) else None,
            "voucher_count": entry.vouchers.count(),
        },
    )


@login_required
@require_POST
def entry_reverse(request: UserRequest, public_id: str) -> HttpResponse:
    entry = selectors.entry_by_public_id(public_id=public_id)
    if entry is None:
        raise Http404
    if not rules.can_record(request.user, entry.region_code):
        return forbidden(request)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is reversed."))
        return redirect("ledger:entry", public_id=entry.public_id)
    try:
        rev = services.entry_reverse(entry=entry, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("ledger:entry", public_id=entry.public_id)
    messages.success(
        request,
        _("Entry #%(seq)s reverses entry #%(old)s. Record the right entry now if needed.")
        % {"seq": rev.seq, "old": entry.seq},
    )
    return redirect("ledger:entry", public_id=rev.public_id)


@login_required
def voucher(request: UserRequest, public_id: str, voucher_id: int) -> FileResponse:
    entry = selectors.entry_by_public_id(public_id=public_id)
    if entry is None or not rules.can_see_vouchers(request.user, entry):
        raise Http404
    v = Voucher.objects.filter(entry=entry, pk=voucher_id).first()
    if v is None:
        raise Http404
    ext = (v.file.name or "").rsplit(".", 1)[-1]
    return private_file_response(v.file, filename=f"voucher-{entry.seq}-{v.pk}.{ext}")


@require_http_methods(["GET", "POST"])
def periods(request: HttpRequest, code: str) -> HttpResponse:
    """Signed-off periods with their chain heads; the committee signs off here, cadres generate the disclosure."""
    user = request.user
    village = _village_or_404(code)
    can_sign_off = rules.can_sign_off(user, village.code)
    form = PeriodCloseForm(request.POST or None) if can_sign_off else None
    if request.method == "POST":
        # Only the committee gets the form, and only an account is on the committee.
        if form is None or not user.is_authenticated:
            return forbidden(request, _("Only the supervision committee signs periods off."))
        if form.is_valid():
            d = form.cleaned_data
            try:
                period = services.period_close(
                    village=village, kind=d["kind"], start=d["start"], actor=user, comment=d["comment"]
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied:
                return forbidden(request, _("Only the supervision committee signs periods off."))
            else:
                messages.success(
                    request,
                    _("Signed off %(start)s to %(end)s. Chain head #%(seq)s recorded.")
                    % {"start": period.start, "end": period.end, "seq": period.head_seq},
                )
                return redirect("ledger:periods", code=village.code)
    rows = list(selectors.periods_of(village=village))
    # Readers of the ledger (disclosure) add their own columns: the ledger does not know them.
    headings, cells = readers.period_columns(periods=rows, request=request, village=village)
    for p in rows:
        p.reader_cells = cells[p.pk]
    chain = selectors.chain_of(village=village)
    return render(
        request,
        "ledger/periods.html",
        {
            "village": village,
            "periods": rows,
            "form": form,
            "chain": chain,
            "reader_headings": headings,
        },
    )


@ratelimit(key="ip", rate=VERIFY_RATE, method="GET", block=True)
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone recomputes a village's chain, checks it against the county's witnessed heads (and the head
    printed on a notice, from its QR code: ?seq=&head=), and sees the first bad entry, if any."""
    villages = selectors.villages_all()
    code = request.GET.get("village", "")
    village = next((v for v in villages if v.code == code), None)
    if village is None and not code:
        home = selectors.home_village(user=request.user)
        village = home
    printed = printed_error = None
    if "seq" in request.GET or "head" in request.GET:
        try:
            printed = services.parse_printed_head(request.GET.get("seq"), request.GET.get("head"))
        except ValidationError as exc:
            printed_error = exc.messages[0]
    result = problem = None
    if village is not None:
        result = services.chain_verify(village=village, printed=printed)
        problem = services.problem_text(result.problem) if result.problem else None
    return render(
        request,
        "ledger/verify.html",
        {
            "villages": villages,
            "village": village,
            "result": result,
            "problem": problem,
            "printed": printed,
            "printed_error": printed_error,
            "witnessed": result.witnessed[::-1][:12] if result else [],
            "unknown": bool(code) and village is None,
        },
    )


@login_required
def mine(request: UserRequest) -> HttpResponse:
    """My payments: what the village ledger recorded to me."""
    villager = own_villager(request.user)
    if villager is None:
        return render(
            request,
            "web/message.html",
            {
                "title": _("My payments"),
                "message": _("Your account is not linked to a villager record."),
            },
        )
    page = Paginator(selectors.my_payments(villager=villager), PAGE_SIZE).get_page(request.GET.get("page"))
    total = selectors.my_payments_total(villager=villager)
    return render(request, "ledger/mine.html", {"page": page, "villager": villager, "total": total})


@on_replica
def export(request: HttpRequest, code: str) -> HttpResponse:
    """The village's ledger as XLSX (with the filters), masked as the reader sees it on screen."""
    user = request.user
    village = _village_or_404(code)
    _form, f = _filters(request)
    qs = selectors.entries_of(
        village=village,
        direction=f.get("direction", ""),
        category=f.get("category", ""),
        start=f.get("start"),
        end=f.get("end"),
    ).order_by("seq")
    categories = dict(FinanceCategory.choices)
    header = [
        _("No."),
        _("Date"),
        _("Income or expenditure"),
        _("Category"),
        _("Amount (yuan)"),
        _("Amount (fen)"),
        _("Counterparty"),
        _("Purpose"),
        _("Reverses entry"),
        _("Vouchers"),
        _("Recorded by"),
        _("Recorded at"),
        _("Hash"),
        _("Previous hash"),
    ]

    def rows() -> Iterator[list[object]]:
        chunk: list[Entry] = []
        for e in qs.iterator(chunk_size=2000):
            chunk.append(e)
            if len(chunk) == 2000:
                yield from _rows(selectors.entries_mask(chunk, user=user))
                chunk = []
        yield from _rows(selectors.entries_mask(chunk, user=user))

    def _rows(entries: list[Entry]) -> Iterator[list[object]]:
        for e in entries:
            yield [
                e.seq,
                e.date,
                e.get_direction_display(),
                str(categories[e.category]),
                services.yuan(e.amount_fen),
                e.amount_fen,
                e.public_counterparty,
                e.public_purpose,
                e.reverses.seq if e.reverses else "",
                e.voucher_count,  # type: ignore[attr-defined]  # annotated by selectors.entries_of
                e.recorded_by_name,
                timezone.localtime(e.recorded_at).strftime("%Y-%m-%d %H:%M:%S"),
                e.hash,
                e.prev_hash,
            ]

    data = xlsx_response_bytes([str(h) for h in header], rows(), sheet_title=str(_("Ledger")))
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ledger-{village.code}-{timezone.localdate():%Y%m%d}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response
