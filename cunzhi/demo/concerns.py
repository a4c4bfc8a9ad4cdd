"""Demo concerns for `manage.py seed_demo`: categories, routing rules for the county, and about 60
concerns in every state (new, being handled, answered, resolved and rated, reopened, overdue and
escalated, merged), most in 余村, written through the services so clocks and timelines are real."""

from __future__ import annotations

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from cunzhi.concerns import services
from cunzhi.concerns.models import Category, Channel, Clock, Kind, Level, Rating
from cunzhi.people.models import Delegation, DelegationScope, Office, Relation, Role, RoleAssignment, Villager
from cunzhi.regions.models import Level as RegionLevel
from cunzhi.regions.models import Region

MAIN_VILLAGE = "330523100201"

CATEGORIES = [
    # code, name, English, clock, level, office name suffix (township "镇…", county "县…")
    ("roads", "道路交通", "Roads and bridges", Clock.UTILITIES, Level.VILLAGE, ""),
    ("water", "供水排水", "Water and drains", Clock.UTILITIES, Level.VILLAGE, ""),
    ("lighting", "电力照明", "Power and street lights", Clock.UTILITIES, Level.VILLAGE, ""),
    ("environment", "环境卫生", "Rubbish and sanitation", Clock.GENERAL, Level.VILLAGE, ""),
    ("neighbours", "邻里纠纷", "Disputes between neighbours", Clock.GENERAL, Level.VILLAGE, ""),
    ("subsidy", "低保救助", "Subsistence allowance and relief", Clock.GENERAL, Level.TOWNSHIP, "民政办"),
    ("pension", "社保养老", "Social insurance and pensions", Clock.GENERAL, Level.TOWNSHIP, "社保所"),
    ("homestead", "宅基地建房", "Homestead and house building", Clock.COMPLEX, Level.TOWNSHIP, "自然资源所"),
    ("medical", "医疗医保", "Medical insurance", Clock.GENERAL, Level.COUNTY, "医疗保障局"),
    ("disability", "残疾人服务", "Services for disabled people", Clock.GENERAL, Level.COUNTY, "残疾人联合会"),
    ("other", "其他", "Other", Clock.GENERAL, Level.VILLAGE, ""),
]

TEXTS = {
    "roads": [
        "村口桥头的护栏断了一截，晚上骑电瓶车很危险，希望尽快修好。",
        "三组到四组的机耕路被大雨冲坏了，农用车开不过去。",
        "村道转弯处的凸面镜被撞坏了，看不到对面来车。",
    ],
    "water": ["我家这几天自来水发黄，烧开后有沉淀，邻居家也一样。", "五组的排水沟堵了，下雨天水漫到路上。"],
    "lighting": [
        "村口的路灯坏了三盏，晚上走路很黑，老人出门不方便。",
        "文化礼堂门口的路灯一直不亮，跳广场舞的人看不清。",
    ],
    "environment": ["垃圾分类亭的厨余垃圾桶好几天没清运，气味很大。", "河边有人倒建筑垃圾，影响河道。"],
    "neighbours": ["邻居新建的围墙占了我家的出路，协商不成，请村里调解。"],
    "subsidy": [
        "家里老人生病，收入少，想问问能不能申请低保，需要准备哪些材料？",
        "我是独居老人，冬天取暖有困难，能否申请临时救助？",
    ],
    "pension": ["我在杭州打工交了社保，回村后怎么转城乡居民养老保险？", "今年的养老金到账比往年少了，想问一下原因。"],
    "homestead": ["儿子结婚想翻建老房子，宅基地审批要走什么程序？"],
    "medical": ["在外地住院的医保报销比例太低，异地备案怎么办理？"],
    "disability": ["我父亲视力残疾，想申请残疾人两项补贴，应该找谁？"],
    "other": ["建议村里在文化礼堂开设老年人智能手机培训班。", "建议在村委会门口设一个快递代收点，方便上班的人。"],
}
ANSWERS = {
    "roads": "已安排施工队勘察，护栏将于本周内修复，期间已放置警示牌。",
    "water": "水务站已到现场检测，系管网冲洗所致，已完成冲洗，水质恢复正常。",
    "lighting": "电工已更换损坏的灯具，路灯已恢复照明。",
    "environment": "已联系保洁公司恢复每日清运，并加强巡查。",
    "neighbours": "村调解委员会已组织双方现场协商，达成调解协议。",
    "subsidy": "请携带户口本、身份证和家庭收入证明到镇便民服务中心民政窗口申请，我们会入户核查。",
    "pension": "可携带社保缴费凭证到镇社保所办理转移接续，约20个工作日完成。",
    "homestead": "需先向村委会提交建房申请，经村民代表会议讨论公示后报镇审批，详见宅基地审批流程。",
    "medical": "可通过“浙里办”办理异地就医备案，备案后按规定比例报销。",
    "disability": "请携带残疾证到镇残联专职委员处申请，符合条件的次月发放。",
    "other": "感谢建议，村里将在下月安排志愿者开展培训。",
}


def _categories(admin) -> dict[str, Category]:
    out = {}
    for pos, (code, name, en, clock, level, _suffix) in enumerate(CATEGORIES):
        out[code] = services.category_save(
            actor=admin, code=code, name=name, name_en=en, clock=clock, level=level, position=(pos + 1) * 10
        )
    return out


def _rules(admin, cats: dict, county: Region) -> int:
    """Village matters: each village's Party secretary. Others: the township or county office named by
    the category, and that office's staff member as the person responsible."""
    staff_of = {
        ra.office_id: ra.user
        for ra in RoleAssignment.objects.filter(role=Role.OFFICE_STAFF, office__isnull=False).select_related("user")
    }
    n = 0
    for code, _name, _en, _clock, level, suffix in CATEGORIES:
        if level == Level.VILLAGE:
            services.rule_save(actor=admin, category=cats[code], region=county, level=Level.VILLAGE)
            n += 1
        elif level == Level.TOWNSHIP:
            for t in Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP):
                office = Office.objects.select_related("region").get(region=t, name=t.name + suffix)
                services.rule_save(
                    actor=admin,
                    category=cats[code],
                    region=t,
                    level=Level.TOWNSHIP,
                    office=office,
                    responsible=staff_of.get(office.pk),
                )
                n += 1
        else:
            office = Office.objects.select_related("region").get(region=county, name=county.name + suffix)
            services.rule_save(
                actor=admin,
                category=cats[code],
                region=county,
                level=Level.COUNTY,
                office=office,
                responsible=staff_of.get(office.pk),
            )
            n += 1
    return n


def seed(*, rng: random.Random, today: dt.date, logins: dict) -> dict:
    admin = logins["county_admin"]
    county = Region.objects.get(level=RegionLevel.COUNTY)
    cats = _categories(admin)
    rule_count = _rules(admin, cats, county)
    now = timezone.now()
    main = Region.objects.get(code=MAIN_VILLAGE)
    villager_user = logins["villager"]
    neighbours = list(Villager.objects.filter(region_code__under=MAIN_VILLAGE, user__isnull=True).order_by("id")[:80])
    cadre = logins["cadre"]
    grid_worker = logins["grid_worker"]
    # Elderly neighbours without a phone account authorised the grid worker on paper (recorded delegations).
    Delegation.objects.bulk_create(
        [
            Delegation(
                villager=v,
                helper=grid_worker,
                relation=Relation.GRID_WORKER,
                region_code=v.region_code,
                scopes=[DelegationScope.CONCERNS, DelegationScope.NOTICES],
                starts_at=now - dt.timedelta(days=120),
                ends_at=now + dt.timedelta(days=600),
            )
            for v in neighbours
        ]
    )
    concerns = []

    def raise_one(*, code, ago_hours, who=None, channel=Channel.ONLINE, actor=None, village=main, **kw):
        text = rng.choice(TEXTS[code])
        kind = {
            "subsidy": Kind.HELP,
            "pension": Kind.CONSULTATION,
            "homestead": Kind.CONSULTATION,
            "medical": Kind.CONSULTATION,
            "disability": Kind.HELP,
            "other": Kind.SUGGESTION,
            "neighbours": Kind.COMPLAINT,
        }.get(code, Kind.REPORT)
        if channel == Channel.ONLINE:
            c = services.concern_submit(
                actor=actor or villager_user,
                category=cats[code],
                kind=kind,
                text=text,
                villager=who,
                now=now - dt.timedelta(hours=ago_hours),
                **kw,
            )
        else:
            c = services.concern_submit(
                actor=actor or cadre,
                category=cats[code],
                kind=kind,
                text=text,
                villager=who,
                village=village,
                channel=channel,
                now=now - dt.timedelta(hours=ago_hours),
                **kw,
            )
        concerns.append(c)
        return c

    def answer(c, after_hours, *, rate=None):
        at = min(c.dispatched_at + dt.timedelta(hours=after_hours), now - dt.timedelta(hours=4))
        if c.status == "open":
            services.concern_acknowledge(actor=c.owner, concern=c, now=c.dispatched_at + dt.timedelta(hours=1))
        services.concern_answer(actor=c.owner, concern=c, text=ANSWERS[c.category.code], now=at)
        if rate:
            # Villagers without an account confirm through the grid worker, who holds their authorisation.
            services.concern_confirm(
                actor=c.villager.user if c.villager.user_id else grid_worker,
                concern=c,
                rating=rate,
                now=min(at + dt.timedelta(hours=3), now - dt.timedelta(hours=1)),
            )
        return c

    # The demo villager's own: one answered and waiting for their rating, one being handled, one new,
    # one resolved, one private.
    answer(raise_one(code="lighting", ago_hours=30), 20)
    c = raise_one(code="subsidy", ago_hours=50)
    services.concern_acknowledge(actor=c.owner, concern=c, now=c.dispatched_at + dt.timedelta(hours=1))
    raise_one(code="roads", ago_hours=1, place="村口桥头")
    answer(raise_one(code="water", ago_hours=240), 10, rate=Rating.SATISFIED)
    raise_one(code="neighbours", ago_hours=20, is_public=False)
    # The helper raises one for the villager (a family delegation covering concerns).
    raise_one(code="pension", ago_hours=5, actor=logins["helper"], who=villager_user.villager)

    # Neighbours without accounts: recorded by the cadre from phone calls and visits.
    ratings = [Rating.SATISFIED] * 6 + [Rating.BASICALLY] * 3 + [Rating.UNSATISFIED]
    village_codes = ["roads", "water", "lighting", "environment", "other"]
    for i, v in enumerate(neighbours[:36]):
        code = (
            village_codes[i % len(village_codes)]
            if i % 4
            else rng.choice(["subsidy", "pension", "homestead", "medical", "disability"])
        )
        ago = rng.randint(30, 24 * 80)
        c = raise_one(
            code=code,
            ago_hours=ago,
            who=v,
            channel=rng.choice([Channel.PHONE, Channel.WINDOW]),
            is_anonymous=(i % 5 == 0),
        )
        if c.category.level != Level.VILLAGE:
            # Received by the village, handled by the office: a transfer on record, as first contact requires.
            routed = services.route(category=c.category, village=main)
            if routed["owner"] is not None:
                services.concern_transfer(
                    actor=cadre,
                    concern=c,
                    to_user=routed["owner"],
                    reason=f"属于{routed['office'].name if routed['office'] else '上级'}职责",
                    now=c.dispatched_at + dt.timedelta(minutes=40),
                )
        if i % 6 == 5:
            continue  # still being handled
        late = i % 7 == 3
        answer(c, rng.randint(60, 200) if late else rng.randint(2, 20), rate=rng.choice(ratings) if i % 3 else None)

    # Late ones: never acknowledged, so the job escalates them to the township (and one to the county).
    # Raised long enough ago that their acknowledge clocks (working hours, never later than the answer:
    # 7 days for general matters, 24 hours for roads) have run out whatever the day the demo is built.
    raise_one(code="environment", ago_hours=200)
    raise_one(code="roads", ago_hours=60)
    services.concerns_escalate_due(now=now - dt.timedelta(hours=30))  # the county level a day later for late_b
    services.concerns_escalate_due(now=now)

    # A reopened one and a merged duplicate with "me too"s from other households.
    c = answer(raise_one(code="environment", ago_hours=100), 10)
    services.concern_reopen(
        actor=villager_user,
        concern=c,
        reason="只清运了一次，现在又堆满了",
        rating=Rating.UNSATISFIED,
        now=c.answered_at + dt.timedelta(hours=20),
    )
    lamp = next(x for x in concerns if x.category.code == "lighting" and x.villager_id == villager_user.villager.pk)
    supporters = list(
        Villager.objects.filter(region_code__under=MAIN_VILLAGE, user__isnull=False)
        .exclude(pk=villager_user.villager.pk)
        .select_related("user")[:4]
    )
    for s in supporters:
        try:
            services.concern_me_too(actor=s.user, concern=lamp)
        except ValidationError:  # a staff member without a villager record, or the owner: skip
            continue
    if supporters:
        dup = raise_one(code="lighting", ago_hours=12, actor=supporters[0].user)
        services.concern_merge(actor=cadre, source=dup, target=lamp, now=now - dt.timedelta(hours=2))

    # A few in other villages of the county, for the township boards and the rates.
    others = list(Region.objects.filter(level=RegionLevel.VILLAGE).exclude(code=MAIN_VILLAGE).order_by("code"))
    for i, village in enumerate(others):
        v = Villager.objects.filter(region_code__under=village.code, user__isnull=True).order_by("id").first()
        leader = RoleAssignment.objects.filter(region_prefix=village.code, role=Role.PARTY_SECRETARY).first()
        if v is None or leader is None:
            continue
        c = raise_one(
            code=village_codes[i % len(village_codes)],
            ago_hours=rng.randint(24, 24 * 60),
            who=v,
            channel=Channel.PHONE,
            actor=leader.user,
            village=village,
        )
        answer(c, rng.randint(3, 30))  # nobody rates these online: older ones close unrated
    services.concerns_escalate_due(now=now)
    return {"concerns": len(concerns), "concern categories": len(cats), "concern routing rules": rule_count}
