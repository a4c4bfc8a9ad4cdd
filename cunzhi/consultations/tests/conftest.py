"""Fixtures for consultation tests: the world's helper holds a "consultations" delegation from 张三,
drafts in each state, bearer tokens, English messages."""

import datetime as dt

import pytest
from django.utils import timezone

from cunzhi.api.services import token_issue
from cunzhi.consultations import services
from cunzhi.consultations.models import DraftKind
from cunzhi.consultations.texts import paragraphs_split
from cunzhi.people.models import Delegation, DelegationScope, Relation

TEXT = """第一条 为加强村民自治，建设美丽乡村，根据有关法律法规，制定本村规民约。

第二条 村民应当爱护公共环境，垃圾分类投放，不乱倒垃圾。

第三条 红白喜事从简办理，酒席不超过二十桌。

第四条 本村规民约由村民会议通过后施行。"""


@pytest.fixture
def delegation(world):
    """张三 (villager_a) lets his son 张小明 (helper) comment for him."""
    return Delegation.objects.create(
        villager=world.villager_a.villager,
        helper=world.helper,
        relation=Relation.FAMILY,
        scopes=[DelegationScope.CONSULTATIONS],
        ends_at=timezone.now() + dt.timedelta(days=60),
    )


def make_draft(
    world,
    *,
    actor=None,
    scope=None,
    owner_office=None,
    committee="村民委员会",
    publish=True,
    title="鹤鹿溪村村规民约（修订草案）",
    text=TEXT,
    kind=DraftKind.VILLAGE_RULES,
    opens_on=None,
):
    today = timezone.localdate()
    opens_on = opens_on or today
    draft = services.draft_create(
        actor=actor or world.cadre_a,
        title=title,
        kind=kind,
        scope=scope or world.village_a,
        owner_office=owner_office,
        owner_committee="" if owner_office else committee,
        opens_on=opens_on,
        closes_on=opens_on + dt.timedelta(days=13),
        paragraphs=paragraphs_split(text),
        summary="修订村规民约。",
    )
    if publish:
        services.draft_publish(actor=actor or world.cadre_a, draft=draft)
    return draft


@pytest.fixture
def draft(world):
    """An open village-rules draft of village A, owned by its villagers' committee (cadre_a manages it)."""
    return make_draft(world)


@pytest.fixture
def township_draft(world):
    """An open township policy of township T, owned by its civil affairs office."""
    return make_draft(
        world,
        actor=world.township_staff,
        scope=world.township_t,
        owner_office=world.office_t,
        title="递铺街道农村养老服务补贴办法（征求意见稿）",
        kind=DraftKind.TOWNSHIP_POLICY,
    )


@pytest.fixture
def bearer():
    def _bearer(user):
        key, _token = token_issue(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return _bearer
