"""Who may see what of notifications. Staff see notices of their regions; the county admin sees jobs."""

from cunzhi.people import rules as people_rules


def can_view_report(user, notice) -> bool:
    """Staff whose scope holds the notice's region (a notice without a region: county admins only)."""
    if notice.region_code:
        return people_rules.in_scope(user, notice.region_code)
    return people_rules.has_role(user, people_rules.REGION_ADMIN_ROLES)


def can_resend(user, notice) -> bool:
    return can_view_report(user, notice)


def can_list_notices(user) -> bool:
    return people_rules.has_role(user)


def can_view_jobs(user) -> bool:
    return people_rules.has_role(user, people_rules.REGION_ADMIN_ROLES)
