"""The audit actions of people, with what a person reads for each (core/events.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.events import register


@register
class PeopleEvent(models.TextChoices):
    VILLAGER_CREATE = "villager.create", _("Villager registered")
    VILLAGER_CONTACT = "villager.contact", _("Contact details changed")
    HOUSEHOLD_CREATE = "household.create", _("Household registered")
    HOUSEHOLD_REPRESENTATIVE = "household.representative", _("Household representative changed")
    ROLE_ASSIGN = "role.assign", _("Role assigned")
    GRID_CREATE = "grid.create", _("Grid created")
    DELEGATION_GRANT = "delegation.grant", _("Helper authorised")
    DELEGATION_REVOKE = "delegation.revoke", _("Helper authorisation revoked")
    ROSTER_UPLOAD = "roster.upload", _("Roster uploaded")
    ROSTER_IMPORT = "roster.import", _("Roster imported")
    ROSTER_CONFIRM = "roster.confirm", _("Roster import confirmed")
    ROSTER_EXPIRE = "roster.expire", _("Unconfirmed roster file deleted")
