"""Demo data for points (积分制): 天荒坪镇's catalogue kept by its civil affairs office, 余村's rule and adopted
items, a village item waiting for the township, base points, declarations in review, posted and counted points,
an objection waiting for its decision and one decided, last year's commendation list posted on the disclosure board,
and a redemption at the points supermarket (its receipt sent to the household).

Everything goes through the services (review reasons, caps, audit rows) as in use. The story runs over the last
weeks: points reviewed "ten days ago" have their stored objection deadline moved into the past, the one step
the services cannot take for a demo, so that the counting job counts them as it would have.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cunzhi.people.models import Household, Role
from cunzhi.points import services
from cunzhi.points.models import Entry
from cunzhi.regions.models import Region

MAIN_VILLAGE = "330523100201"  # 余村

CATALOGUE = [
    # (title, sign, points, min, max, evidence, yearly cap)
    ("参加村庄环境整治", "positive", 5, 3, 8, "活动照片或组长证明", 40),
    ("参加志愿服务（每半天）", "positive", 3, 2, 5, "志愿队签到记录", 60),
    ("庭院整洁、垃圾分类到位", "positive", 2, 1, 3, "网格员检查记录", 24),
    ("见义勇为、好人好事", "positive", 10, 5, 20, "受助人或村干部证明", 0),
    ("子女考上大学", "positive", 5, 3, 10, "录取通知书照片", 10),
    ("乱倒垃圾、乱堆乱放", "negative", 5, 2, 10, "现场照片", 0),
    ("违规燃放、焚烧秸秆", "negative", 10, 5, 20, "现场照片或执法记录", 0),
]


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    """The points set-up of 余村; returns counts for the summary."""
    village = Region.objects.select_related("parent").get(code=MAIN_VILLAGE)
    township = village.parent
    staff, cadre = logins["township_staff"], logins["cadre"]
    secretary, representative = logins["party_secretary"], logins["representative"]
    items = [
        services.item_create(
            township=township,
            title=t,
            sign=s,
            points=p,
            min_points=lo,
            max_points=hi,
            evidence=ev,
            yearly_cap=cap,
            actor=staff,
        )
        for t, s, p, lo, hi, ev, cap in CATALOGUE
    ]
    services.rule_set(
        village=village,
        holder="household",
        base_grant=20,
        exclude_away=True,
        objection_days=7,
        review_roles=[Role.CADRE, Role.PARTY_SECRETARY, Role.REPRESENTATIVE],
        actor=cadre,
    )
    adopted = {
        item.title: services.adoption_set(
            village=village,
            item=item,
            points=min(item.max_points, item.points + (1 if i == 0 else 0)),
            yearly_cap=item.yearly_cap,
            actor=cadre,
        )
        for i, item in enumerate(items)
        if item.title != "子女考上大学"  # 余村 did not adopt every item: the catalogue is a menu
    }
    services.item_create(
        township=township,
        village=village,
        title="照料孤寡老人（每月）",
        sign="positive",
        points=4,
        min_points=2,
        max_points=6,
        evidence="老人或网格员证明",
        yearly_cap=48,
        actor=cadre,
    )
    base = services.base_grant_apply(village=village, actor=cadre)

    # Households: the printed villager's, and others whose heads hold no village post (reviewers never
    # review their own household's points).
    main_house = logins["villager"].villager.household
    officials = {u.villager.household_id for u in (cadre, secretary, representative) if hasattr(u, "villager")}
    others = list(
        Household.objects.filter(village=village, representative__isnull=False)
        .exclude(pk__in=officials | {main_house.pk})
        .select_related("representative")
        .order_by("number")[:8]
    )
    day = today - dt.timedelta(days=12)

    def declare(house, title, text, actor, when=day):
        return services.entry_declare(
            adoption=adopted[title], household=house, occurred_on=when, description=text, actor=actor
        )

    # Reviewed ten days ago: posted, the objection period since over, counted.
    counted = []
    for i, house in enumerate(others[:5]):
        e = declare(house, "参加村庄环境整治", "参加矿山遗址公园周边环境整治，清理垃圾两车", cadre)
        counted.append(services.entry_review(entry=e, approve=True, reason="组长核实，照片属实", actor=representative))
        if i == 0:
            e = declare(house, "乱倒垃圾、乱堆乱放", "在溪边倾倒建筑垃圾，经劝导已清理", cadre)
            counted.append(services.entry_review(entry=e, approve=True, reason="网格员现场照片为证", actor=secretary))
    e = declare(main_house, "参加志愿服务（每半天）", "参加党员志愿队竹林步道修缮", logins["villager"])
    counted.append(services.entry_review(entry=e, approve=True, reason="志愿队签到记录属实", actor=cadre))
    past = timezone.now() - dt.timedelta(days=3)
    Entry.objects.filter(pk__in=[x.pk for x in counted]).update(objection_until=past)
    services.entries_count_due()

    # Last year: contributions reviewed and counted then (their dates moved a year back, as the objection deadlines
    # above are moved), and last year's commendation list posted on the disclosure board.
    last_year = []
    for house, title, text in (
        (others[0], "见义勇为、好人好事", "冬季防汛巡查中及时报告溪坝裂缝"),
        (others[2], "参加村庄环境整治", "参加秋季村道两侧垃圾清理"),
        (others[3], "参加村庄环境整治", "参加竹林步道落叶清扫"),
        (others[3], "庭院整洁、垃圾分类到位", "庭院整洁，垃圾分类检查合格"),
    ):
        e = declare(house, title, text, cadre)
        last_year.append(services.entry_review(entry=e, approve=True, reason="经村民代表核实", actor=representative))
    Entry.objects.filter(pk__in=[x.pk for x in last_year]).update(
        objection_until=past, year=today.year - 1, occurred_on=dt.date(today.year - 1, 10, 15)
    )
    services.entries_count_due()
    services.commendation_post(village=village, year=today.year - 1, actor=cadre)

    # Posted yesterday: one open for objections, one with an objection waiting, one whose objection was dismissed.
    posted = []
    for house, title, text in (
        (others[5], "见义勇为、好人好事", "协助消防救出溪中落水游客"),
        (others[6], "参加村庄环境整治", "清理村口公交站周边杂物"),
        (others[7], "庭院整洁、垃圾分类到位", "庭院整洁，垃圾分类检查合格"),
    ):
        e = declare(house, title, text, cadre, when=today - dt.timedelta(days=2))
        posted.append(services.entry_review(entry=e, approve=True, reason="经村民代表核实", actor=representative))
    objector = logins["villager_away"] if hasattr(logins["villager_away"], "villager") else logins["villager"]
    services.objection_raise(entry=posted[1], reason="清理那天我在现场，没有见到他家的人。", actor=objector)
    dismissed = services.objection_raise(entry=posted[2], reason="他家门前仍有杂物堆放。", actor=logins["villager"])
    services.objection_decide(
        objection=dismissed, uphold=False, reason="经网格员复查，杂物为施工材料，已按期清理。", actor=secretary
    )

    # In review: the printed villager's own declaration and a helper's one for the same household.
    declare(
        main_house, "参加村庄环境整治", "清理村道两侧落叶和垃圾", logins["villager"], when=today - dt.timedelta(days=1)
    )
    declare(main_house, "庭院整洁、垃圾分类到位", "家中垃圾分类，庭院整洁", logins["helper"], when=today)

    # The points supermarket: the printed villager's household takes goods for points.
    services.redemption_record(household=main_house, goods="洗衣液两瓶", points=12, actor=cadre)

    # The township's own points supermarket for its other villages (余村 keeps its own), stocked by a donation:
    # a township shop records donations only (purchases are the township's accounts, which Cunzhi does not keep).
    others = Region.objects.filter(parent=township, level="village").exclude(pk=village.pk).order_by("code")
    services.township_shop_set(township=township, serves=[v.code for v in others], actor=staff)
    oil = services.goods_set(village=township, name="食用油一桶（5升）", points=30, stock=0, actor=staff)
    services.goods_receive(goods=oil, quantity=10, supplier="天荒坪镇商会", donated=True, actor=staff)

    return {
        "points_items": len(items),
        "points_base_grants": base,
        "points_entries": Entry.objects.filter(village=village).count(),
    }
