"""Read endpoints for the region tree: /api/v1/regions.

Scope (people.selectors.regions_visible): staff see the regions under the regions of their roles;
a villager sees their own village's line (county, township, village, its groups). A region outside
the caller's scope answers 404, the same as one that does not exist.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from cunzhi.core.apikit.errors import LIST_ERRORS, OBJECT_ERRORS
from cunzhi.core.apikit.pagination import Pages
from cunzhi.people import selectors as people_selectors
from cunzhi.people.actors import UserRequest
from cunzhi.people.models import Grid, User
from cunzhi.regions.models import Level, Region

router = Router(tags=["regions"])

CODE_PATTERN = r"^\d{12}(\d{3})?$"


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    parent_code: str | None

    @staticmethod
    def resolve_level_label(obj: Region) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent else None


class GridOut(Schema):
    id: int
    name: str
    worker_name: str | None

    @staticmethod
    def resolve_worker_name(obj: Grid) -> str | None:
        return obj.worker.name if obj.worker else None


class RegionDetailOut(RegionOut):
    parent_name: str | None
    children: list[RegionOut]
    grids: list[GridOut] = Field(description="The village's grids (网格) and their grid workers; empty above villages.")

    @staticmethod
    def resolve_parent_name(obj: Region) -> str | None:
        return obj.parent.name if obj.parent else None

    # `children` and `grids` are reverse relations on Region: the endpoint fetches the visible
    # ones into plain attributes, never touching the related managers (one query each).
    @staticmethod
    def resolve_children(obj: Region) -> list[Region]:
        return obj.visible_children

    @staticmethod
    def resolve_grids(obj: Region) -> list[GridOut]:
        return obj.village_grids


class RegionFilters(Schema):
    level: Level | None = Field(None, description="county, township, village or group")
    parent: str | None = Field(None, pattern=CODE_PATTERN, description="Only the direct children of this region code.")
    q: str | None = Field(None, max_length=50, description="Part of the name, or the start of the code.")


def _regions(*, user: User, filters: RegionFilters) -> QuerySet[Region]:
    """The caller's visible regions narrowed by the list filters (two queries per page with paging)."""
    qs = people_selectors.regions_visible(user=user, level=filters.level).select_related("parent")
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(Q(name__contains=term) | Q(code__startswith=term))
    return qs


@router.get("/regions", response={200: list[RegionOut], **LIST_ERRORS})
@paginate(Pages)
def region_list(request: UserRequest, filters: RegionFilters = Query(...)) -> QuerySet[Region]:
    """Regions in the caller's scope, by code; filter by level, parent code or name."""
    return _regions(user=request.user, filters=filters)


@router.get("/regions/{code}", response={200: RegionDetailOut, **OBJECT_ERRORS})
def region_detail(request: UserRequest, code: str = Path(..., pattern=CODE_PATTERN)) -> Region:
    """One region with its visible children and, for a village, its grids."""
    visible = people_selectors.regions_visible(user=request.user)
    region = visible.select_related("parent").filter(code=code).first()
    if region is None:
        raise Http404
    region.visible_children = list(visible.filter(parent=region).select_related("parent"))
    region.village_grids = people_selectors.village_grids(village=region) if region.level == Level.VILLAGE else []
    return region
