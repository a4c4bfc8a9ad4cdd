"""The administrative tree (county -> township -> village -> villager group): only the tree.

Region codes are paths: the 12-digit statistical code is a prefix tree, so a region's subtree
is every code starting with its `prefix` (an indexed range scan). Groups get a 3-digit suffix
after their village's code.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunzhi.core.models import TimeStamped

# How many leading characters of the code name a region at each level.
PREFIX_LENGTH = {"county": 6, "township": 9, "village": 12, "group": 15}


class Level(models.TextChoices):
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")
    GROUP = "group", _("Villager group")


PARENT_LEVEL = {Level.TOWNSHIP: Level.COUNTY, Level.VILLAGE: Level.TOWNSHIP, Level.GROUP: Level.VILLAGE}


def region_prefix(code: str, level: str) -> str:
    return code[: PREFIX_LENGTH[level]]


def level_of_code(code: str) -> str:
    """The level a well-formed code names: trailing zero blocks mean a higher level."""
    if len(code) == 15:
        return Level.GROUP
    if code[9:12] != "000":
        return Level.VILLAGE
    if code[6:9] != "000":
        return Level.TOWNSHIP
    return Level.COUNTY


class Region(TimeStamped):
    code = models.CharField(_("area code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    # The code's leading part that every descendant shares; scope filters use startswith on it.
    prefix = models.CharField(max_length=15, db_index=True, editable=False)

    # Not stored: head counts and tree links people.selectors sets or annotates for the region pages
    # (region_tree, region_children, village_count_annotations); absent unless a selector set them.
    kids: list["Region"]
    show_counts: bool
    viewable: bool
    villager_count: int
    household_count: int
    away_count: int
    village_total: int
    # Set by people's region API for one region's detail: its visible children, and a village's grids
    # (people's Grid rows; the tree may not name people).
    visible_children: list["Region"]
    village_grids: list[Any]
    # Set by the ledger's index page: the village's chain head (ledger's Chain; the tree names no domain).
    head: Any
    # Set on a township by villages_by_township: how many of the listed villages lie in it.
    village_count: int

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.prefix = region_prefix(self.code, self.level)
        super().save(*args, **kwargs)

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    @property
    def village_code(self) -> str:
        return self.code[:12]
