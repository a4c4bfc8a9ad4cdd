"""Mount each domain's router on the API."""

from cunzhi.api.api import api
from cunzhi.api.core import router as core_router

api.add_router("", core_router)
