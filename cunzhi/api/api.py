"""The NinjaAPI at /api/v1/: each domain mounts its router here."""

from ninja import NinjaAPI

from cunzhi.api.auth import AUTH

api = NinjaAPI(title="Cunzhi API", version="1", auth=AUTH, urls_namespace="api",
               description="Digital village governance. Session auth for the browser, bearer tokens "
                           "(POST /api/v1/auth/token) for scripts.")

from cunzhi.api import routes  # noqa: E402,F401  (registers the routers on `api`)
