"""Demo consultations for `manage.py seed_demo`, written through the services.

In 余村 (the main village): the revised village rules open for comments, with comments, replies,
stances, a comment written by the helper for his mother (no account, paper delegation at the
service station), a leaders-only comment and a hidden one; the village charter consulted,
answered, revised into version 2 and adopted by the villagers' meeting (published and filed to
天荒坪镇). In 天荒坪镇: an elderly-care subsidy policy open for comments. One more draft opens in
three days.
"""

import datetime as dt

from django.utils import timezone

from cunzhi.consultations import services
from cunzhi.consultations.models import DraftKind, Outcome, Visibility
from cunzhi.consultations.texts import paragraphs_split
from cunzhi.people.models import Delegation, DelegationScope, Relation, RoleAssignment, Villager

RULES = """第一条 为推进乡村治理，建设“绿水青山就是金山银山”理念发源地的美丽余村，根据《中华人民共和国村民委员会组织法》等法律法规，结合本村实际，制定本村规民约。

第二条 村民应当爱护山林水源，不乱砍滥伐，不在溪流中洗涤农药器具，不向河道倾倒垃圾。

第三条 生活垃圾分类投放，每户门前实行“三包”，房前屋后不堆放杂物。

第四条 红白喜事从简办理，婚宴不超过二十桌，丧事不大操大办，不燃放大型烟花。

第五条 民宿、农家乐经营户应当守法经营，明码标价，不得拉客宰客，污水纳管排放。

第六条 村民建房应当依法申请宅基地，按批准的位置和面积建设，不得违规占用耕地。

第七条 尊老爱幼，赡养老人，邻里互助，不参与赌博，不信谣传谣。

第八条 本村规民约经村民会议讨论通过后施行，由村民委员会负责解释，村务监督委员会监督执行。"""

CHARTER_V1 = """第一条 本章程依据《中华人民共和国村民委员会组织法》制定，是余村村民自治的基本规范。

第二条 村民会议由本村十八周岁以上的村民组成，讨论决定涉及村民利益的重大事项。

第三条 村民代表会议每季度至少召开一次，村民代表按每十户推选一人。

第四条 村务公开每季度一次，财务收支每月公开。

第五条 本章程自村民会议通过之日起施行。"""

POLICY = """第一条 为做好农村养老服务，根据县有关规定，制定本办法。

第二条 本镇户籍、年满八十周岁的老年人，每月发放高龄补贴一百元。

第三条 失能、半失能老人入住养老机构的，按月给予护理补贴。

第四条 居家养老服务照料中心为老人提供助餐服务，每餐补助三元。

第五条 补贴由村（社区）受理，镇民政办审核，每季度发放。"""


def _village_of(user):
    role = RoleAssignment.objects.filter(user=user).select_related("region").first()
    return role.region if role else None


def seed(*, rng, today, logins) -> dict:
    """Add the demo consultations; returns counts for the summary."""
    cadre, villager, helper = logins["cadre"], logins["villager"], logins["helper"]
    village = _village_of(cadre)
    if village is None:
        return {}
    township_staff = logins["township_staff"]
    office = RoleAssignment.objects.filter(user=township_staff, office__isnull=False).select_related("office").first()
    now = timezone.now()

    # The helper's mother has no account: she signed a paper delegation at the service station.
    mother = (
        Villager.objects.filter(household=villager.villager.household, user__isnull=True, name="沈月芬").first()
        if hasattr(villager, "villager")
        else None
    )
    if mother is not None:
        Delegation.objects.create(
            villager=mother,
            helper=helper,
            relation=Relation.FAMILY,
            scopes=[DelegationScope.CONSULTATIONS, DelegationScope.MEETINGS],
            ends_at=now + dt.timedelta(days=365),
        )

    # Villagers of 余村 with accounts (the printed logins and the village's posts).
    voices = [
        logins[k]
        for k in (
            "villager",
            "villager_away",
            "helper",
            "representative",
            "grid_worker",
            "supervisor",
            "party_secretary",
        )
        if Villager.objects.filter(user=logins[k], region_code=village.code).exists()
    ]
    counts = {"consultations": 0, "consultation_comments": 0}

    def comment(actor, draft, body, n=None, **kw):
        para = draft.paragraphs.get(number=n) if n else None
        c = services.comment_add(actor=actor, draft=draft, body=body, paragraph=para, **kw)
        counts["consultation_comments"] += 1
        return c

    # 1. The village rules, open now.
    rules_draft = services.draft_create(
        actor=cadre,
        title="余村村规民约（2025年修订征求意见稿）",
        kind=DraftKind.VILLAGE_RULES,
        scope=village,
        owner_committee="余村村民委员会",
        opens_on=today,
        closes_on=today + dt.timedelta(days=20),
        paragraphs=paragraphs_split(RULES),
        summary="现行村规民约制定于2016年。近年来民宿发展快、外出务工人员多，"
        "村两委起草了修订稿，请全体村民（包括在外务工的村民）提出意见。",
    )
    services.draft_publish(actor=cadre, draft=rules_draft)
    counts["consultations"] += 1
    c1 = comment(villager, rules_draft, "婚宴二十桌还是太多，建议不超过十五桌，减轻大家负担。", 4)
    comment(helper, rules_draft, "同意，年轻人结婚压力也大。", parent=c1)
    if len(voices) > 3:
        comment(voices[3], rules_draft, "民宿污水纳管要给个时间表，有的户还没接通管网。", 5)
    comment(
        logins["villager_away"],
        rules_draft,
        "在杭州打工，过年回村看到垃圾分类做得不错。建议给在外的村民也发电子版通知。",
    )
    if mother is not None:
        comment(helper, rules_draft, "我母亲说：第七条能不能加上“不在公共场所打牌扰民”。", 7, for_villager=mother)
    comment(villager, rules_draft, "有户人家违建占了机耕路，希望村里依第六条处理。", 6, visibility=Visibility.LEADERS)
    spam = comment(logins["grid_worker"], rules_draft, "出售土鸡蛋，电话 139xxxx0000") if len(voices) > 4 else None
    if spam is not None:
        services.comment_hide(actor=cadre, comment=spam, reason="广告内容，与草案无关")
    for i, voter in enumerate(voices):
        para = rules_draft.paragraphs.get(number=4 if i % 2 == 0 else 2)
        services.stance_set(
            actor=voter, draft=rules_draft, paragraph=para, stance="support" if rng.random() < 0.8 else "oppose"
        )

    # 2. The charter: consulted, answered, revised, adopted and filed.
    charter = services.draft_create(
        actor=cadre,
        title="余村村民自治章程（修订草案）",
        kind=DraftKind.VILLAGE_CHARTER,
        scope=village,
        owner_committee="余村村民委员会",
        opens_on=today,
        closes_on=today + dt.timedelta(days=14),
        paragraphs=paragraphs_split(CHARTER_V1),
        summary="按照组织法修订村民自治章程。",
    )
    services.draft_publish(actor=cadre, draft=charter)
    counts["consultations"] += 1
    a = comment(villager, charter, "村民代表十户推选一人太密，建议十五户推选一人。", 3)
    b = comment(logins["villager_away"], charter, "在外的村民能不能线上参加村民会议？", 2)
    c = comment(helper, charter, "财务每月公开很好，希望公开到每一笔。", 4)
    services.draft_close(draft=charter, actor=cadre)
    services.comment_set_outcome(
        actor=cadre,
        comment=a,
        outcome=Outcome.PARTLY,
        reason="按组织法每五至十五户推选一人，改为每十至十五户推选一人。",
    )
    services.comment_set_outcome(
        actor=cadre,
        comment=b,
        outcome=Outcome.ADOPTED,
        reason="第二条增加：可通过平台远程参加，身份核实后计入到会人数。",
    )
    services.comment_set_outcome(
        actor=cadre,
        comment=c,
        outcome=Outcome.NOT_ADOPTED,
        reason="逐笔公开的明细已在村务公开栏按月张贴，章程中不再重复规定。",
    )
    services.report_save(
        actor=cadre,
        draft=charter,
        summary="共收到意见3条，采纳1条，部分采纳1条，未采纳1条。修订后的章程提交村民会议表决。",
    )
    services.report_publish(actor=cadre, draft=charter)
    v2 = services.draft_new_version(actor=cadre, draft=charter)
    texts = list(v2.paragraphs.values_list("text", flat=True))
    texts[1] += "在外村民可以通过平台远程参加，身份核实后计入到会人数。"
    texts[2] = texts[2].replace("每十户推选一人", "每十至十五户推选一人")
    services.draft_update(
        actor=cadre,
        draft=v2,
        title=v2.title.replace("修订草案", "修订稿"),
        kind=v2.kind,
        opens_on=today,
        closes_on=today + dt.timedelta(days=13),
        paragraphs=texts,
    )
    services.adoption_record(
        actor=cadre,
        draft=v2,
        adopted_on=today,
        meeting_reference=f"余村村民会议{today:%Y}年第2号决议（应到412人，实到287人，赞成261人）",
    )
    counts["consultations"] += 1

    # 3. A township policy, open now.
    if office is not None:
        policy = services.draft_create(
            actor=township_staff,
            title=f"{office.region.name}农村养老服务补贴办法（征求意见稿）",
            kind=DraftKind.TOWNSHIP_POLICY,
            scope=office.region,
            owner_office=office.office,
            opens_on=today,
            closes_on=today + dt.timedelta(days=29),
            paragraphs=paragraphs_split(POLICY),
        )
        services.draft_publish(actor=township_staff, draft=policy)
        counts["consultations"] += 1
        comment(villager, policy, "八十岁起发补贴，建议七十五岁起就有，山区老人不容易。", 2)
        comment(logins["villager_away"], policy, "父母在村里，我在外地，补贴能不能直接打到老人社保卡上？", 5)

    # 4. Opens in three days.
    later = services.draft_create(
        actor=cadre,
        title="余村民宿管理公约（草案）",
        kind=DraftKind.OTHER,
        scope=village,
        owner_committee="余村民宿协会",
        opens_on=today + dt.timedelta(days=3),
        closes_on=today + dt.timedelta(days=17),
        paragraphs=paragraphs_split("第一条 民宿经营户自愿遵守本公约。\n第二条 旺季价格提前公示。"),
    )
    services.draft_publish(actor=cadre, draft=later)
    counts["consultations"] += 1
    return counts
