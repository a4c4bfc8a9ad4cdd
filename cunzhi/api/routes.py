"""Mount each domain's router on the API."""

from typing import NoReturn

from django.http import Http404, HttpRequest
from ninja import Router

from cunzhi.api.api import api
from cunzhi.api.core import router as core_router
from cunzhi.applications.api import router as applications_router
from cunzhi.concerns.api import router as concerns_router
from cunzhi.consultations.api import router as consultations_router
from cunzhi.disclosure.api import router as disclosure_router
from cunzhi.elections.api import router as elections_router
from cunzhi.insights.api import router as insights_router
from cunzhi.learning.api import router as learning_router
from cunzhi.ledger.api import router as ledger_router
from cunzhi.meetings.api import router as meetings_router
from cunzhi.organisations.api import router as organisations_router
from cunzhi.people.api import router as people_router
from cunzhi.people.api_regions import router as regions_router
from cunzhi.points.api import router as points_router

api.add_router("", core_router)
api.add_router("", regions_router)
api.add_router("", people_router)
api.add_router("", concerns_router)
api.add_router("", applications_router)
api.add_router("", meetings_router)
api.add_router("", disclosure_router)
api.add_router("", ledger_router)
api.add_router("", consultations_router)
api.add_router("", points_router)
api.add_router("", learning_router)
api.add_router("", organisations_router)
api.add_router("", elections_router)
api.add_router("", insights_router)

# Last: any other address under /api/v1/ answers the JSON 404, not the HTML page of the site.
fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def not_found(request: HttpRequest, rest: str) -> NoReturn:
    """No such endpoint."""
    raise Http404


api.add_router("", fallback)
