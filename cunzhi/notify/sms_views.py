"""What the SMS gateway calls: delivery reports (and, next, incoming texts). Only our gateway may call:
it proves itself with the shared secret written into the URLs it was given (settings.KANNEL_SECRET)."""

import hmac

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.http import require_GET

from cunzhi.notify import services


def _from_gateway(request) -> bool:
    secret = settings.KANNEL_SECRET
    return bool(secret) and hmac.compare_digest(request.GET.get("secret", "").encode(), secret.encode())


@require_GET
def delivery_report(request):
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
