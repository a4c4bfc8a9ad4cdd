"""Background work for people: checking and importing large rosters (see people.roster)."""

from django.utils import translation
from django_tasks import task

from cunzhi.people import roster
from cunzhi.people.models import RosterImport, User


@task()
def roster_check_task(*, import_id: int) -> str:
    """Check every row of an uploaded roster that was too large to check during the upload."""
    roster_import = RosterImport.objects.select_related("village", "uploaded_by").filter(pk=import_id).first()
    if roster_import is None:  # deleted while waiting
        return "missing"
    # Problems are stored as text, so write them in the language of the person who will read them.
    with translation.override(roster.roster_import_language(roster_import)):
        roster.roster_check_run(roster_import=roster_import)
    return roster_import.status


@task()
def roster_import_task(*, import_id: int, actor_id: int | None = None) -> str:
    """Write a confirmed roster, all-or-nothing, reporting progress as it goes."""
    roster_import = RosterImport.objects.select_related("village", "uploaded_by").filter(pk=import_id).first()
    if roster_import is None:
        return "missing"
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    with translation.override(roster.roster_import_language(roster_import)):
        roster.roster_import_run(roster_import=roster_import, actor=actor)
    return roster_import.status
