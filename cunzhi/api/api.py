"""The NinjaAPI at /api/v1/: each domain mounts its router here."""

from ninja import NinjaAPI

from cunzhi.core.apikit import errors
from cunzhi.core.apikit.auth import AUTH

api = NinjaAPI(
    title="Cunzhi API",
    version="1",
    auth=AUTH,
    urls_namespace="api",
    description="Digital village governance. Session auth for the browser, bearer tokens "
    "(POST /api/v1/auth/token) for scripts. Every refusal is JSON: "
    '{"detail": message in the caller\'s language, "code": stable code}. Objects '
    "outside the caller's scope answer 404, so their existence is not revealed.",
)
errors.install(api)

from cunzhi.api import routes  # noqa: E402,F401  (registers the routers on `api`)
