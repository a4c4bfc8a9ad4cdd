"""The listen control on each page issue 15 names, reading what that page shows, for that page's reader."""

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.tests.conftest import cw, raise_concern  # noqa: F401  (fixtures)
from cunzhi.consultations.tests.conftest import make_draft
from cunzhi.meetings import services as meeting_services
from cunzhi.voice import services, speech
from cunzhi.voice.normalise import read_aloud

from .test_listen import listen_links

pytestmark = pytest.mark.skipif(not speech.available(), reason="espeak-ng or ffmpeg not installed")


def words_of(page: str) -> str:
    """The words the page's listen control reads."""
    key = listen_links(page)["ogg"].split("/voice/")[1].split(".")[0]
    with default_storage.open(services.clip_name(key, "txt")) as stored:
        return stored.read().decode()


def test_a_concerns_answer(cw, raise_concern, login, clock):  # noqa: F811  (the fixtures imported above)
    concern = raise_concern()
    concern_services.concern_answer(actor=cw.cadre_a, concern=concern, text="路灯已于2026-06-18修好，费用¥350.00。")
    page = login(cw.villager_a).get(reverse("concerns:detail", args=[concern.public_id])).content.decode()
    assert words_of(page) == "路灯已于二零二六年六月十八日修好,费用三百五十元。"


def test_a_meeting_page(world, login, clock):
    meeting = meeting_services.meeting_create(
        actor=world.cadre_a,
        village=world.village_a,
        body="villagers",
        title="村民会议",
        agenda="讨论村道修缮。",
        place="村委会礼堂",
        starts_at=timezone.now() + dt.timedelta(days=12),
    )
    page = login(world.cadre_a).get(reverse("meetings:detail", args=[meeting.public_id])).content.decode()
    assert words_of(page) == "村民会议。二零二六年六月二十八日 九点三十分。村委会礼堂。讨论村道修缮。"


def test_a_consultation_paragraph(world, login, clock):
    draft = make_draft(world)
    page = login(world.villager_a).get(reverse("consultations:paragraph", args=[draft.public_id, 1]))
    assert page.status_code == 200
    assert words_of(page.content.decode()) == read_aloud(draft.paragraphs.get(number=1).text)
