""" "CX" + number by text: the status of one's own application, never of another's (applications/replies.py)."""

import pytest
from django.utils import translation

from cunzhi.applications import replies
from cunzhi.applications.models import Status
from cunzhi.notify import sms

ONE_SEGMENT = 70  # characters of one Chinese (UCS-2) text message


@pytest.fixture(autouse=True)
def _english_accounts(world):
    """Answers go out in the account's language (Chinese by default): these tests read the English ones;
    test_an_answer_is_in_the_accounts_language checks the Chinese."""
    from cunzhi.people.models import User

    User.objects.update(language="en")


def ask(sender, text, gid=None):
    return sms.inbound_receive(gateway_id=gid or f"{sender}-{text}", sender=sender, receiver="106900001", text=text)


@pytest.mark.parametrize("form", ["CX {n}", "cx {d}", "查询{n}", "ＣＸ {n}"])
def test_the_applicant_gets_the_status_by_text(world, flow, clock, form):
    app = flow.submit()
    row = ask("13900000001", form.format(n=app.number, d=app.number.replace("-", "")))
    assert row.handled_as == replies.STATUS
    assert row.answer == f"Application {app.number}: waiting for acceptance."


def test_another_phone_learns_nothing(world, flow, clock):
    app = flow.submit()
    for sender in ("13900000002", "13900000003", "13700009999"):  # another village, the son (a helper), unknown
        row = ask(sender, f"CX {app.number}")
        assert row.answer == "There is no case with this number for your phone.", sender
    assert ask("13900000002", "CX 20260101-000000").answer == "There is no case with this number for your phone."


def test_a_repeated_query_is_answered_once(world, flow, clock):
    app = flow.submit()
    rows = {ask("13900000001", f"CX {app.number}", gid="same").pk for _ in range(3)}
    assert len(rows) == 1


def test_a_conditional_acceptance_names_the_missing_materials_date(world, flow, clock):
    app = flow.submit()
    flow.conditional(app)
    row = ask("13900000001", f"CX {app.number}")
    assert row.answer.startswith(f"Application {app.number}: in review. Materials due ")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_status_answer_fits_one_segment(world, flow, clock, language, settings):
    app = flow.submit()
    flow.conditional(app)
    app.refresh_from_db()
    for status in Status:
        app.status = status
        with translation.override(language):
            text = replies.status_answer(app)
        # Sent alone (no link): one segment with room for the operator's signature 【村治】.
        assert len(text) <= ONE_SEGMENT - 4, (status, text)
        if language == "zh-hans":
            assert "申请" in text, text
