"""What the SMS gateway calls (delivery reports, incoming texts) and the staff queue of incoming texts.
Only our gateway may call the first two: it proves itself with the shared secret written into the URLs
it was given (settings.KANNEL_SECRET)."""

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cunzhi.notify import rules, selectors, services, sms
from cunzhi.notify.consent import consent_in_person
from cunzhi.notify.forms import ConsentForm
from cunzhi.people import rules as people_rules
from cunzhi.people.models import SmsConsent, User, Villager


def _from_gateway(request: HttpRequest) -> bool:
    secret = settings.KANNEL_SECRET
    return bool(secret) and hmac.compare_digest(request.GET.get("secret", "").encode(), secret.encode())


@require_GET
def delivery_report(request: HttpRequest) -> HttpResponse:
    """Kannel's dlr-url: ?ref=<delivery>&status=<bits>. Answers 200 to a repeated or unknown report,
    so the gateway stops repeating it; the outcome is in the body for its log."""
    if not _from_gateway(request):
        return HttpResponseForbidden("not the configured SMS gateway\n", content_type="text/plain")
    try:
        status = int(request.GET.get("status", ""))
    except ValueError:
        return HttpResponseBadRequest("status must be a number\n", content_type="text/plain")
    outcome = services.delivery_report(ref=request.GET.get("ref", ""), status=status)
    return HttpResponse(f"{outcome}\n", content_type="text/plain")


@require_GET
def inbound(request: HttpRequest) -> HttpResponse:
    """Kannel's get-url: ?from=%p&to=%P&text=%a&id=%I. The body is empty: answers go out as their own
    texts (so they are recorded and retried like every other)."""
    if not _from_gateway(request):
        return HttpResponseForbidden("not the configured SMS gateway\n", content_type="text/plain")
    gateway_id, sender = request.GET.get("id", "").strip(), request.GET.get("from", "").strip()
    if not gateway_id or not sender:
        return HttpResponseBadRequest("id and from are required\n", content_type="text/plain")
    sms.inbound_receive(
        gateway_id=gateway_id, sender=sender, receiver=request.GET.get("to", ""), text=request.GET.get("text", "")
    )
    return HttpResponse("", content_type="text/plain")


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Texts from phones that no reply handler took: staff read them and close them."""
    if not rules.can_view_sms_queue(request.user):
        raise PermissionDenied
    waiting = selectors.inbound_waiting(user=request.user, roles=rules.SMS_QUEUE_ROLES)
    page = Paginator(waiting, 50).get_page(request.GET.get("page"))
    who = selectors.senders(phones={m.sender for m in page})
    items = [(m, who.get(m.sender, "")) for m in page]
    return render(request, "notify/sms_queue.html", {"page": page, "items": items})


@login_required
@require_POST
def queue_close(request: HttpRequest, pk: int) -> HttpResponse:
    if not rules.can_view_sms_queue(request.user):
        raise PermissionDenied
    item = get_object_or_404(selectors.inbound_waiting(user=request.user, roles=rules.SMS_QUEUE_ROLES), pk=pk)
    sms.inbound_close(sms=item, actor=request.user)
    messages.success(request, _("Marked as dealt with."))
    return redirect("notify:sms_queue")


@login_required
def consent(request: HttpRequest) -> HttpResponse:
    """Record a villager's consent to texts given in person, for a number of a villager of one's own
    villages; show that number's history (the law asks that withdrawals be kept)."""
    if not rules.can_record_consent(request.user):
        raise PermissionDenied
    assert isinstance(request.user, User)  # login_required
    mine = Villager.objects.filter(people_rules.scope_q(request.user, rules.DOOR_ROLES))
    form = ConsentForm(
        request.POST if request.method == "POST" else None, initial={"phone": request.GET.get("phone", "")}
    )
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        villager = mine.filter(phone=phone).order_by("pk").first()
        if villager is None:
            form.add_error("phone", _("No villager of your villages has this mobile number."))
        else:
            consent_in_person(actor=request.user, villager=villager, given=form.cleaned_data["given"])
            messages.success(request, _("Recorded for %(name)s.") % {"name": villager.name})
            return redirect(f"{request.path}?phone={phone}")
    phone = request.GET.get("phone", "").strip()
    owners = list(mine.filter(phone=phone).order_by("pk")) if phone else []
    history = (
        SmsConsent.objects.filter(phone=phone).select_related("recorded_by").order_by("-at", "-id")[:50]
        if owners
        else []
    )
    return render(
        request, "notify/sms_consent.html", {"form": form, "phone": phone, "owners": owners, "history": history}
    )
