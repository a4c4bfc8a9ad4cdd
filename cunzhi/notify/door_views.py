"""The door-to-door round as a checklist: a cadre or grid worker ticks each person "told in person"
or "not at home"; those told count as reached in the notice's report and leave the list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunzhi.notify import rules, services
from cunzhi.notify.models import DoorOutcome, Notice
from cunzhi.people.models import User, Villager


@login_required
@require_POST
def door_visit(request: HttpRequest, public_id: str, villager_id: str) -> HttpResponse:
    notice = get_object_or_404(Notice, public_id=public_id)
    if not rules.can_view_report(request.user, notice):
        raise Http404  # as the report itself: a notice one may not read does not exist for them
    if not rules.can_record_door_visit(request.user, notice):
        raise PermissionDenied
    assert isinstance(request.user, User)  # login_required
    villager = get_object_or_404(Villager, public_id=villager_id)
    try:
        services.door_visit_record(
            notice=notice, villager=villager, outcome=request.POST.get("outcome", ""), actor=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        told = request.POST.get("outcome") == DoorOutcome.TOLD
        messages.success(
            request,
            (_("%(name)s: told in person.") if told else _("%(name)s: not at home; still on the list."))
            % {"name": villager.name},
        )
    return redirect("notify:door_list", public_id=notice.public_id)
