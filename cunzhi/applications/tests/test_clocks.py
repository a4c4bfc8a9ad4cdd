"""Time limits in working days of the State Council's calendar, shown as estimates beyond its known
years, and the figures that count "decided on time" from the same stored deadlines."""

import datetime as dt

from django.utils import timezone

from cunzhi.applications import services
from cunzhi.applications.models import Level, ServiceItem, Source, Status
from cunzhi.core import workdays
from cunzhi.insights.selectors import figures
from cunzhi.insights.services import rollup_range
from cunzhi.people.models import OfficeKind

from .conftest import BASIS


def moment(y, m, d, hh=10):
    return timezone.make_aware(dt.datetime(y, m, d, hh, 0))


def day_of(when):
    return timezone.localtime(when).date()


def quick_item(world, promised=5):
    """A township item with one township step as long as the promise, identity taken from records."""
    item = ServiceItem(
        code="quick",
        name="临时救助",
        office_level=Level.TOWNSHIP,
        office_kind=OfficeKind.CIVIL_AFFAIRS,
        promised_days=promised,
        region_code=world.county.code,
    )
    return services.item_configure(
        actor=world.county_admin,
        item=item,
        steps=[
            {
                "name": "乡镇审核",
                "level": Level.TOWNSHIP,
                "office_kind": OfficeKind.CIVIL_AFFAIRS,
                "time_limit_days": promised,
            }
        ],
        materials=[
            {"name": "居民身份证", "core": True, "forms": "原件照片", "source": Source.IDENTITY, "legal_basis": BASIS}
        ],
    )


def test_spring_festival_week_stops_every_clock_and_figures_agree(world):
    # 2026: Spring Festival holidays 15–23 February, Saturday 14 February worked (调休).
    item = quick_item(world)
    thursday = moment(2026, 2, 12)
    app = services.application_submit(
        actor=world.villager_a, item=item, villager=world.villager_a.villager, now=thursday
    )
    # Five working days after Thursday 12 February: 13, 14 (Saturday, worked), 24, 25, 26 February.
    assert day_of(app.due_at) == dt.date(2026, 2, 26)  # Monday to Friday would say 19 February
    services.application_accept(actor=world.township_staff, application=app, now=thursday)
    app.refresh_from_db()
    step = app.steps.get()
    assert day_of(app.promised_due_at) == day_of(step.due_at) == dt.date(2026, 2, 26)
    assert not workdays.is_estimated(app.promised_due_at)

    # Decided on 25 February, the fourth working day: on time, and the figures say so.
    services.step_decide(actor=world.township_staff, application=app, decision="approve", now=moment(2026, 2, 25))
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    rollup_range(dt.date(2026, 2, 1), dt.date(2026, 2, 28))  # the nightly job's stored figures
    table = figures(region=world.county, start=moment(2026, 2, 1, 0), end=moment(2026, 3, 1, 0))
    col = [c.key for c in table["columns"]].index("applications_on_time")
    assert (table["total"][col]["num"], table["total"][col]["den"]) == (1, 1)


def test_new_year_is_not_a_working_day(world):
    item = quick_item(world, promised=1)
    app = services.application_submit(
        actor=world.villager_a, item=item, villager=world.villager_a.villager, now=moment(2025, 12, 31)
    )
    services.application_accept(actor=world.township_staff, application=app, now=moment(2025, 12, 31))
    app.refresh_from_db()
    assert day_of(app.promised_due_at) == dt.date(2026, 1, 4)  # 1–3 January off, Sunday 4 January worked


def test_a_limit_past_the_calendar_says_it_is_an_estimate(world, client):
    year = workdays.last_known_year() + 1
    item = quick_item(world, promised=5)
    start = moment(year - 1, 12, 28)
    app = services.application_submit(actor=world.villager_a, item=item, villager=world.villager_a.villager, now=start)
    services.application_accept(actor=world.township_staff, application=app, now=start)
    app.refresh_from_db()
    assert day_of(app.promised_due_at).year == year  # counted Monday to Friday, no crash
    assert workdays.is_estimated(app.promised_due_at)
    client.force_login(world.township_staff)
    page = client.get(f"/services/a/{app.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"estimated: the holiday calendar for {year} is not known yet" in page
    body = client.get(f"/api/v1/services/applications/{app.public_id}").json()
    assert body["promised_due_estimated"] is True and body["due_estimated"] is True
    # A deadline inside the known years carries no such note.
    known = services.application_submit(
        actor=world.villager_a, item=item, villager=world.villager_a.villager, now=moment(year - 1, 3, 2)
    )
    page = client.get(f"/services/a/{known.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "holiday calendar for" not in page
    assert client.get(f"/api/v1/services/applications/{known.public_id}").json()["due_estimated"] is False
