from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cunzhi.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from cunzhi.api.services import token_check
        from cunzhi.core.apikit.auth import bearer_lookup_set

        # The kit's bearer check (used by every domain's router) finds tokens here.
        bearer_lookup_set(token_check)
