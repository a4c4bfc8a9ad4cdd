"""Through the real gateway: a villager's phone replies "1" to the notice of an answer and asks "CX"
for the status; Kannel hands the texts to Cunzhi, and the answers reach the phone (as fakesmsc, the
operator, prints them), in Chinese."""

import time

import pytest

from cunzhi.concerns import services
from cunzhi.concerns.models import Rating, Status
from cunzhi.notify.models import Notice
from cunzhi.people.models import User

PHONE = "13900000001"


def answers_to(box, phone, count, timeout=30):
    """Texts the operator carried to `phone` from the service number itself (answers to texts)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = [text for sender, to, text in box.received() if to == phone and sender == box.sender]
        if len(got) >= count:
            return got
        time.sleep(0.1)
    raise AssertionError(f"{count} answers expected, got: {box.received()}")


@pytest.mark.django_db(transaction=True)
def test_a_phone_rates_an_answer_and_asks_for_the_status_through_kannel(cw, raise_concern, live_kannel):
    box = live_kannel
    User.objects.update(language="zh-hans")
    concern = raise_concern(now=None)
    services.concern_answer(actor=cw.cadre_a, concern=concern, text="路灯已修好")
    notice = Notice.objects.get(reply_handler="concerns.rate")
    box.inject(PHONE, box.sender + notice.reply_code, "1")  # the villager presses "reply" and sends 1
    (answer,) = answers_to(box, PHONE, 1)
    assert answer == f"谢谢！诉求{concern.number}已办结，评价：满意。"
    concern.refresh_from_db()
    assert (concern.status, concern.rating) == (Status.RESOLVED, Rating.SATISFIED)
    box.inject(PHONE, box.sender, f"CX {concern.number}")
    assert answers_to(box, PHONE, 2)[1] == f"诉求{concern.number}：已解决。"
