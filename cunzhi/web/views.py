"""Home pages, login, the health check and display preferences."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cunzhi.core import logins, pagecache
from cunzhi.core.ratelimits import limit_login
from cunzhi.notify import context_processors as notify_header
from cunzhi.people import rules as people_rules
from cunzhi.regions import selectors as region_selectors
from cunzhi.regions.models import Region
from cunzhi.web import selectors as web_selectors
from cunzhi.web.forms import PhoneLoginForm


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers and monitoring."""
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = {"status": "ok", "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}
        status = 200
    except Exception as exc:  # any driver error means "not healthy", reported, not raised  # noqa: BLE001
        db = {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}
        status = 503
    return JsonResponse({"status": "ok" if status == 200 else "error", "database": db}, status=status)


CSRF_SLOT = "csrf-slot-3f9c1e"


def home(request: HttpRequest) -> HttpResponse:
    """One address for everyone: visitors see what the platform is; villagers and staff their own work."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/home_anonymous.html")
    key = pagecache.home_key(user.pk, get_language())
    page = cache.get(key)
    stored = page
    if page is None:
        # The navigation goes into the cached copy too: a cache hit then needs no role look-up.
        staff = people_rules.has_role(user)
        template = "web/home_staff.html" if staff else "web/home_villager.html"
        page = {
            "body": render_to_string(template, web_selectors.home_context(user=user), request),
            "nav": render_to_string("web/_nav.html", request=request),
            # Staff counts are not invalidated one by one: a minute old is fine for them.
            "ttl": 60 if staff else pagecache.HOME_SECONDS,
        }
    context = {"body": mark_safe(page["body"]), "nav": mark_safe(page["nav"])}
    if len(messages.get_messages(request)):
        if stored is None:
            cache.set(key, page, page["ttl"])
        return render(request, "web/home.html", context)  # a one-off message: not kept in the page
    # Rendering the page frame was half the cost of a cached home page (docs/benchmarks.md), so the
    # whole page is kept, with a slot where each response gets its own freshly masked CSRF token.
    # It is reused only while everything else in the header is the same.
    header = (
        request.get_full_path(),
        request.COOKIES.get("text_size"),
        notify_header.unread_count(user),
        tuple(notify_header.late_jobs(request)),
    )
    if page.get("full", (None,))[0] != header:
        html = render(request, "web/home.html", {**context, "csrf_token": CSRF_SLOT}).content.decode()
        page["full"] = (header, html)
        cache.set(key, page, page["ttl"])
    return HttpResponse(page["full"][1].replace(CSRF_SLOT, get_token(request)))


# A county has a few hundred villages: all fit on one page. Beyond that (a province) the finder asks for a name.
VILLAGES_SHOWN = 400


def villages(request: HttpRequest) -> HttpResponse:
    """The village finder: anyone, logged in or not, finds a village by name and goes to its public pages."""
    text = request.GET.get("q", "").strip()[:50]
    found = region_selectors.villages_find(text=text, limit=VILLAGES_SHOWN + 1)
    townships: list[tuple[Region | None, list[Region]]] = []  # [(township, [village, ...])] in code order
    for village in found[:VILLAGES_SHOWN]:
        if not townships or townships[-1][0] != village.parent:
            townships.append((village.parent, []))
        townships[-1][1].append(village)
    return render(
        request, "web/villages.html", {"q": text, "townships": townships, "more": len(found) > VILLAGES_SHOWN}
    )


def village(request: HttpRequest, code: str) -> HttpResponse:
    """A village's public pages in one place: notice board, concern board, accounts and their check."""
    region = region_selectors.village_public(code=code)
    if region is None:
        raise Http404
    return render(request, "web/village.html", {"village": region})


class LoginView(auth_views.LoginView):
    """Log in by mobile number; the page then speaks the language the person chose before."""

    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, form.get_user().language, max_age=365 * 24 * 3600, samesite="Lax"
        )
        # This browser is the owner's now: strangers' failed guesses will not make it wait.
        logins.device_remember(self.request, response, form.cleaned_data["username"])
        return response


login_view = limit_login(LoginView.as_view())


@require_POST
def logout_view(request: HttpRequest) -> HttpResponseBase:
    return auth_views.LogoutView.as_view()(request)


@require_POST
def text_size(request: HttpRequest) -> HttpResponse:
    """Switch larger text on or off; a cookie so it works before logging in too."""
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.POST.get("size") == "large":
        response.set_cookie("text_size", "large", max_age=365 * 24 * 3600, samesite="Lax")
    else:
        response.delete_cookie("text_size")
    return response
