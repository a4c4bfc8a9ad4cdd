"""Texts from phones that concerns take (concerns/replies.py): rating an answer by replying to its notice,
"CX <number>" for the status of one's own concern, and free text that becomes a concern."""

import pytest

from cunzhi.concerns import replies, services
from cunzhi.concerns.models import Category, Channel, Clock, Concern, Level, Rating, Status
from cunzhi.concerns.selectors import timeline
from cunzhi.concerns.views import _timeline_rows
from cunzhi.notify import sms
from cunzhi.notify.models import InboundStatus, Notice
from cunzhi.people.tests.factories import VillagerFactory

SERVICE = "106900001"
ONE_SEGMENT = 70  # characters of one Chinese (UCS-2) text message


@pytest.fixture(autouse=True)
def _english_accounts(world):
    """Answers go out in the account's language (Chinese by default): these tests read the English ones;
    test_an_answer_is_in_the_accounts_language checks the Chinese."""
    from cunzhi.people.models import User

    User.objects.update(language="en")


@pytest.fixture
def answered(cw, raise_concern, settings, clock):
    """Village A's roads concern of 张三 (13900000001), answered by the cadre: its notice asks for a rating."""
    settings.KANNEL_SENDER = SERVICE
    concern = raise_concern(now=None)
    services.concern_answer(actor=cw.cadre_a, concern=concern, text="路灯已修好")
    notice = Notice.objects.get(reply_handler=replies.RATE)
    assert (notice.about_type, notice.about_id) == ("concerns.concern", concern.pk)
    return concern, notice


def reply(notice, text, *, sender="13900000001", gid=None):
    """A reply to the notice, sent to the service number + its code (a plain "reply" on the phone)."""
    return sms.inbound_receive(
        gateway_id=gid or f"g-{sender}-{text}", sender=sender, receiver=SERVICE + notice.reply_code, text=text
    )


@pytest.mark.parametrize(
    ("text", "rating"), [("1", Rating.SATISFIED), ("２", Rating.BASICALLY), ("3。", Rating.UNSATISFIED)]
)
def test_a_reply_rates_the_answer_and_closes_the_concern(answered, text, rating):
    concern, notice = answered
    row = reply(notice, text)
    concern.refresh_from_db()
    assert (concern.status, concern.rating) == (Status.RESOLVED, rating)
    assert (row.status, row.handled_as) == (InboundStatus.HANDLED, replies.RATE)
    assert concern.number in row.answer and "closed" in row.answer


def test_the_timeline_shows_the_rating_came_by_text(answered, cw):
    concern, notice = answered
    reply(notice, "1 修得很好")
    concern.refresh_from_db()
    assert concern.rating_comment == "修得很好"
    last = _timeline_rows(timeline(concern=concern))[-1]
    assert "(by text message)" in last["what"] and "Satisfied" in last["what"]
    assert last["actor"] == "张三" and last["detail"] == "修得很好"


def test_zero_reopens_the_concern(answered):
    concern, notice = answered
    row = reply(notice, "0 路灯还是不亮")
    concern.refresh_from_db()
    assert concern.status == Status.REOPENED and concern.due_at is not None
    assert "reopened" in row.answer
    last = _timeline_rows(timeline(concern=concern))[-1]
    assert "(by text message)" in last["what"] and "路灯还是不亮" in last["detail"]


def test_a_repeated_gateway_delivery_rates_once(answered):
    concern, notice = answered
    for _ in range(3):
        reply(notice, "1", gid="same-id")
    concern.refresh_from_db()
    assert concern.status == Status.RESOLVED
    confirms = [e for e in timeline(concern=concern) if e.action == "concern.confirm"]
    assert len(confirms) == 1
    # A second, different text after the rating: told it is closed, nothing changes.
    row = reply(notice, "3", gid="later")
    concern.refresh_from_db()
    assert concern.rating == Rating.SATISFIED and "not waiting for your rating" in row.answer


def test_a_reply_from_another_number_changes_nothing(answered, cw):
    concern, notice = answered
    for sender in ("13900000002", "13700009999", "13900000003"):  # another village, unknown, the son
        row = reply(notice, "3", sender=sender)
        assert row.handled_as == replies.RATE and "Only the villager who raised" in row.answer
        assert concern.number not in row.answer
    concern.refresh_from_db()
    assert concern.status == Status.ANSWERED and concern.rating == ""


@pytest.mark.parametrize("text", ["好", "5", "满意", "x" * 1000])
def test_anything_else_is_told_what_to_reply(answered, text):
    concern, notice = answered
    row = reply(notice, text)
    assert row.answer.startswith("Reply 1 satisfied, 2 basically satisfied, 3 unsatisfied, 0 not resolved")
    concern.refresh_from_db()
    assert concern.status == Status.ANSWERED


def test_a_villager_without_an_account_rates_from_the_roster_number(cw, settings, clock):
    settings.KANNEL_SENDER = SERVICE
    elder = VillagerFactory(name="王奶奶", village=cw.village_a, phone="13950000001")
    concern = services.concern_submit(
        actor=cw.cadre_a,
        channel=Channel.PHONE,
        category=cw.roads,
        kind="report",
        text="井盖丢了",
        villager=elder,
        village=cw.village_a,
    )
    services.concern_answer(actor=cw.cadre_a, concern=concern, text="已补上")
    notice = Notice.objects.get(reply_handler=replies.RATE)  # told by text: the villager has no account
    assert notice.deliveries.filter(address="13950000001").exists()
    row = reply(notice, "2", sender="13950000001")
    concern.refresh_from_db()
    assert (concern.status, concern.rating, row.handled_as) == (Status.RESOLVED, Rating.BASICALLY, replies.RATE)
    last = _timeline_rows(timeline(concern=concern))[-1]
    assert last["actor"] == "王奶奶" and "(by text message)" in last["what"]


# --- CX <number> ---------------------------------------------------------------------------------


def status_text(sender, words):
    return sms.inbound_receive(gateway_id=f"s-{sender}-{words}", sender=sender, receiver=SERVICE, text=words)


@pytest.mark.parametrize("form", ["CX {n}", "cx{n}", "查询 {n}", "ＣＸ　{n}", "CX：{n}"])
def test_status_query_answers_the_own_concern(answered, form):
    concern, _notice = answered
    row = status_text("13900000001", form.format(n=concern.number))
    assert row.handled_as == "concerns.status"
    assert row.answer == f"Concern {concern.number}: answered, waiting for your rating."


def test_status_query_never_reveals_another_phones_case(answered):
    concern, _notice = answered
    theirs = status_text("13900000002", f"CX {concern.number}")
    nothing = status_text("13900000002", "CX 99999999999")
    assert theirs.answer == nothing.answer == "There is no case with this number for your phone."
    assert status_text("13900000001", "CX").answer.startswith("Send CX and the number")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_status_answer_fits_one_segment(answered, language, settings):
    from django.utils import translation

    concern, _notice = answered
    concern.number = "26061699999"  # the longest a concern number is (6 + 5 digits)
    for status in Status:
        concern.status = status
        with translation.override(language):
            text = replies.status_answer(concern)
        # The answer goes out alone (no link): one segment, with room for the operator's signature 【村治】.
        assert len(text) <= ONE_SEGMENT - 4, (status, text)
        if language == "zh-hans":
            assert "诉求" in text, text


# --- free text -----------------------------------------------------------------------------------


@pytest.fixture
def sms_category(cw):
    return Category.objects.create(code="other", name="其他", name_en="Other", clock=Clock.GENERAL, level=Level.VILLAGE)


def test_free_text_becomes_a_concern_at_the_senders_village(cw, sms_category, clock):
    row = status_text("13900000001", "村口的桥栏杆断了，很危险")
    concern = Concern.objects.get()
    assert (concern.channel, concern.village, concern.villager) == (Channel.SMS, cw.village_a, cw.villager_a.villager)
    assert (concern.text, concern.category, concern.is_public) == ("村口的桥栏杆断了，很危险", sms_category, False)
    assert concern.owner == cw.cadre_a  # routed as any concern of the village
    assert (row.handled_as, row.status) == ("concerns.new", InboundStatus.HANDLED)
    assert f"concern {concern.number}" in row.answer and f"CX {concern.number}" in row.answer
    assert len(row.answer) <= 140  # two segments at most


def test_free_text_from_a_villager_without_account(cw, sms_category, clock):
    elder = VillagerFactory(name="王奶奶", village=cw.village_a, phone="13950000001")
    status_text("13950000001", "自来水停了三天")
    concern = Concern.objects.get()
    assert (concern.villager, concern.raised_by, concern.channel) == (elder, None, Channel.SMS)


def test_free_text_is_one_concern_however_often_the_gateway_repeats(cw, sms_category, clock):
    for _ in range(3):
        sms.inbound_receive(gateway_id="dup", sender="13900000001", receiver=SERVICE, text="垃圾没人收")
    assert Concern.objects.count() == 1


@pytest.mark.parametrize("text", ["", "   ", "1", "？", "12345"])
def test_empty_or_bare_texts_wait_for_staff(cw, sms_category, text):
    row = status_text("13900000001", text)
    assert row.status == InboundStatus.WAITING and not Concern.objects.exists()


def test_a_very_long_text_is_kept_whole_up_to_the_limit(cw, sms_category, clock):
    row = status_text("13900000001", "路" * 5000)
    assert row.handled_as == "concerns.new"
    assert len(Concern.objects.get().text) == services.MAX_TEXT


def test_unknown_number_or_two_villages_waits_for_staff(cw, sms_category):
    VillagerFactory(name="李五", village=cw.village_b, phone="13900000001")  # the same phone in village B
    two = status_text("13900000001", "路灯坏了")
    stranger = status_text("13700009999", "路灯坏了")
    assert two.status == stranger.status == InboundStatus.WAITING
    assert not Concern.objects.exists()


def test_without_the_category_for_texts_they_wait_for_staff(cw):
    row = status_text("13900000001", "路灯坏了")
    assert row.status == InboundStatus.WAITING and not Concern.objects.exists()


def test_the_specific_handlers_come_before_free_text():
    names = [n for n, _h in (*sms.HANDLERS, *sms.FALLBACKS)]
    assert names.index("concerns.new") == len(names) - 1
    assert names.index("notify.status") < names.index("concerns.new")
    assert {"concerns.rate", "concerns.status", "meetings.rsvp", "applications.status"} <= set(names)


def test_an_answer_is_in_the_accounts_language(answered):
    from cunzhi.people.models import User

    concern, notice = answered
    User.objects.update(language="zh-hans")
    row = reply(notice, "1")
    assert row.answer == f"谢谢！诉求{concern.number}已办结，评价：满意。"
    assert status_text("13900000001", "CX 99999999999").answer == "您的手机号下没有这个编号的事项。"


def test_only_a_text_raises_a_concern_by_text(cw, sms_category, login, raise_concern):
    """A page or the API cannot use the "sms" channel to raise a concern in another villager's name."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        raise_concern(channel=Channel.SMS, villager=cw.villager_b.villager, actor=cw.cadre_a)
    payload = {"kind": "help", "category": "other", "text": "x", "channel": "sms", "villager": "x"}
    for persona in (cw.villager_a, cw.cadre_a):
        response = login(persona).post("/api/v1/concerns", payload, content_type="application/json")
        assert response.status_code == 422 and "detail" in response.json()
    assert not Concern.objects.exists()
