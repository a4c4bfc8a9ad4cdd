"""The small API kit below the domains: one error shape, one pagination, the authentication classes.

Each domain's api.py builds its router from these; cunzhi/api assembles the routers into the NinjaAPI and
owns the bearer tokens themselves (their model, issue and revoke), which it plugs into the kit's bearer
check at start-up (cunzhi/api/apps.py), so the kit knows no domain and no domain imports cunzhi.api.
"""
