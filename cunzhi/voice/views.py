"""The listen control's clips, and each village's loudspeaker page (its day's file, download, "aired")."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cunzhi.core.views import forbidden_saying, service_action
from cunzhi.people.models import User
from cunzhi.regions.models import Region
from cunzhi.regions.selectors import region_by_code
from cunzhi.voice import rules, selectors, services, speech

forbidden = forbidden_saying(gettext_lazy("Only the village's cadres run its loudspeaker."))


def _message(request: HttpRequest, title: str, message: str, status: int) -> HttpResponse:
    return render(request, "web/message.html", {"title": title, "message": message}, status=status)


def _unavailable(request: HttpRequest) -> HttpResponse:
    return _message(
        request, _("Cannot read aloud"), _("Reading aloud is not available at the moment. Please read the text."), 503
    )


def _audio(name: str, fmt: str, *, download: bool, filename: str) -> FileResponse:
    """A stored clip, as a static file is served: its name is its content's hash, so it never changes and
    the browser may keep it; `private` keeps it out of shared caches, as private as the page it is on."""
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=download,
        filename=filename,
        content_type=speech.FORMATS[fmt].content_type,
    )
    response["Cache-Control"] = "private, max-age=86400, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def clip(request: HttpRequest, key: str, fmt: str) -> HttpResponse | FileResponse:
    """A page's text spoken, for the account the page was shown to (voice.rules)."""
    if not rules.can_listen(request.user, key, request.GET.get("t", "")):
        # Copied from another person's page, or too old: the page itself gives a fresh link.
        return _message(
            request,
            _("Not allowed"),
            _("This recording belongs to a page you have not opened, or its link is too old. Open the page again."),
            403,
        )
    try:
        name = services.clip_audio(key=key, fmt=fmt)
    except LookupError:
        raise Http404 from None
    except speech.SpeechError:
        return _unavailable(request)
    ext = speech.FORMATS[fmt].ext
    return _audio(name, fmt, download=request.GET.get("download") == "1", filename=f"cunzhi-{key[:8]}.{ext}")


class MarkForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.HiddenInput)
    at = forms.TimeField(
        label=gettext_lazy("Broadcast at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


def _village(code: str) -> Region:
    try:
        return region_by_code(code=code)
    except Region.DoesNotExist:
        raise Http404 from None


def _day(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()  # a mistyped day in the address: today's list, not an error page


@login_required
def broadcast(request: HttpRequest, code: str) -> HttpResponse:
    """A village's loudspeaker: the day's announcements as one file to play or download, and "aired at"."""
    village = _village(code)
    if not rules.can_operate_broadcast(request.user, village):
        return forbidden(request)
    assert isinstance(request.user, User)  # login_required
    form = MarkForm(request.POST or None, initial={"day": _day(request.GET.get("day", "")), "at": timezone.localtime()})
    if request.method == "POST":
        actor = request.user
        here = reverse("voice:broadcast", args=[village.code])
        done = service_action(
            request,
            lambda: services.broadcast_mark(
                village=village, day=form.cleaned_data["day"], at=form.cleaned_data["at"], actor=actor
            ),
            done=lambda: _("The broadcast is recorded."),
            to=f"{here}?day={form.cleaned_data['day']:%Y-%m-%d}" if form.is_valid() else here,
            form=form,
        )
        if done is not None:
            return done
    day = form.cleaned_data["day"] if form.is_bound and form.is_valid() else form.initial["day"]
    audio, items = services.broadcast_register(village=village, day=day)
    return render(
        request,
        "voice/broadcast.html",
        {
            "village": village,
            "day": day,
            "items": items,
            "audio": audio,
            "speech": speech.available(),
            "form": form,
            "history": selectors.broadcasts_of(village=village),
        },
    )


@login_required
@require_GET
def broadcast_file(request: HttpRequest, code: str, day: str) -> HttpResponse | FileResponse:
    """The day's broadcast as one MP3, for the loudspeaker's player (made on the first request)."""
    village = _village(code)
    if not rules.can_operate_broadcast(request.user, village):
        return forbidden(request)
    when = _day(day)
    audio, _items = services.broadcast_register(village=village, day=when)
    if not audio.key:
        raise Http404
    try:
        name = services.clip_audio(key=audio.key, fmt="broadcast")
    except speech.SpeechError:
        return _unavailable(request)
    return _audio(
        name,
        "broadcast",
        download=request.GET.get("play") != "1",
        filename=f"broadcast-{village.code}-{when:%Y-%m-%d}.mp3",
    )
