"""Demo data for village organisations (issue 16): 余村's volunteer team (led by the printed helper, 陈浩), its
elder association and mediation committee; a clean-up three days ago with sign-ups (web, helper, text, the
organiser), check-ins at the desk (by name and by QR code) and hours confirmed; the points proposed from it by
the outcomes job, reviewed, posted, one objection decided, then counted; a redemption; and a visit to the old
people's home next week that is open for sign-up; the points supermarket's goods received (donated, and bought
through the village ledger) and its shop-keeper; a neighbour dispute handed to the mediation committee.

Everything goes through the services. A past activity cannot be posted (it must start in the future), so the
clean-up is posted for tomorrow and its times moved three days back once sign-ups are in — the one step the
services cannot take for a demo — as points' demo moves objection deadlines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from cunzhi.concerns import services as concern_services
from cunzhi.concerns.models import Category, Channel, Kind
from cunzhi.demo.applications import _picture
from cunzhi.organisations import codes
from cunzhi.organisations import services as org
from cunzhi.organisations.models import Activity, Participant, SignUpVia
from cunzhi.people.models import Household
from cunzhi.points import outcomes
from cunzhi.points import services as points
from cunzhi.points.models import Adoption, Entry, EntryStatus
from cunzhi.regions.models import Region

MAIN_VILLAGE = "330523100201"  # 余村
VOLUNTEER_ITEM = "参加志愿服务（每半天）"  # demo/points.py's catalogue


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    """The organisations of 余村 and the clean-up whose outcome proposes points; returns counts for the summary."""
    village = Region.objects.get(code=MAIN_VILLAGE)
    cadre, secretary = logins["cadre"], logins["party_secretary"]
    representative, supervisor = logins["representative"], logins["supervisor"]
    main = logins["villager"].villager
    leader = logins["helper"]
    team = org.organisation_register(
        region=village,
        kind="volunteers",
        name="余村志愿服务队",
        description="环境整治、敬老助残、防汛巡查。每月第一个周六集中活动，欢迎报名。",
        actor=cadre,
    )
    org.organisation_register(
        region=village,
        kind="elders",
        name="余村老年协会",
        description="组织老年人文体活动，调解邻里小事。",
        actor=cadre,
    )
    mediation = org.organisation_register(
        region=village,
        kind="mediation",
        name="余村人民调解委员会",
        description="调解邻里、婚姻家庭、土地纠纷，依《人民调解法》免费调解。",
        actor=cadre,
    )
    org.member_add(organisation=team, villager=leader.villager, is_leader=True, actor=cadre)
    officials = {
        u.villager.household_id for u in (cadre, secretary, representative, supervisor) if hasattr(u, "villager")
    }
    houses = list(
        Household.objects.filter(village=village, representative__isnull=False)
        .exclude(pk__in=officials | {main.household_id})
        .select_related("representative")
        .order_by("number")[10:16]
    )
    volunteers = [main] + [h.representative for h in houses]
    for v in volunteers:
        org.member_add(organisation=team, villager=v, is_leader=False, actor=leader)

    # The clean-up: posted (members told, reply 1 to sign up), signed up, then moved three days back.
    start = timezone.now() + dt.timedelta(days=1)
    cleanup = org.activity_create(
        organisation=team,
        title="竹林步道垃圾清理",
        place="矿山遗址公园入口集合",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        places=12,
        description="清理竹林步道两侧垃圾，自带手套，村里提供夹子和垃圾袋。",
        actor=leader,
    )
    org.sign_up(activity=cleanup, villager=main, actor=logins["villager"])
    for i, v in enumerate(volunteers[1:]):
        via = SignUpVia.SMS if i % 2 else None
        org.sign_up(activity=cleanup, villager=v, actor=None if via else leader, **({"via": via} if via else {}))
    past = timezone.localtime() - dt.timedelta(days=3)
    past = past.replace(hour=8, minute=30, second=0, microsecond=0)
    Activity.objects.filter(pk=cleanup.pk).update(starts_at=past, ends_at=past + dt.timedelta(hours=3))
    cleanup.refresh_from_db()
    rows = list(Participant.objects.filter(activity=cleanup).order_by("pk"))
    present = rows[:-1]  # the last one signed up but did not come: no check-in, no hours, no points
    for i, p in enumerate(present):
        if i % 2:
            token = codes.participant_code(activity=cleanup, participant=p)
            found = codes.participant_from_code(activity=cleanup, code=token)
            org.check_in(activity=cleanup, participant=found or p, actor=leader, by_qr=True)
        else:
            org.check_in(activity=cleanup, participant=p, actor=leader)
    org.hours_confirm(
        activity=cleanup,
        hours={p.pk: Decimal("3") if i else Decimal("2.5") for i, p in enumerate(present)},
        actor=leader,
    )

    # Points: 余村's rule proposes its volunteer item from confirmed activity hours.
    adoption = Adoption.objects.select_related("item").get(village=village, item__title=VOLUNTEER_ITEM)
    points.adoption_set(
        village=village,
        item=adoption.item,
        points=adoption.points,
        yearly_cap=adoption.yearly_cap,
        active=True,
        outcome="activity",
        actor=cadre,
    )
    proposed = outcomes.propose_from_outcomes()
    entries = list(Entry.objects.filter(village=village, source__startswith="activity:").order_by("pk"))
    for e in entries:
        points.entry_review(entry=e, approve=True, reason="志愿队签到和组织者确认的工时属实", actor=representative)
    # One objection, decided (dismissed) by the supervision committee with its reason.
    objection = points.objection_raise(
        entry=entries[-1], reason="那天上午我在步道，没看到他。", actor=logins["villager"]
    )
    points.objection_decide(
        objection=objection,
        uphold=False,
        reason="签到记录和照片显示他在下午的一组，工时属实。",
        actor=supervisor,
    )
    # The objection period is over (moved, as points' demo does), so the counting job counts them.
    Entry.objects.filter(pk__in=[e.pk for e in entries], status=EntryStatus.POSTED).update(
        objection_until=timezone.now() - dt.timedelta(minutes=1)
    )
    points.entries_count_due()
    # The points supermarket's shelf, its shop-keeper (the grid worker, who keeps the village service station), goods
    # received (a donation, and a purchase recorded in the village ledger with its invoice), and a redemption at
    # the counter: points and stock deducted together, the receipt sent to the household.
    rice = points.goods_set(village=village, name="大米一袋（5公斤）", points=15, stock=20, actor=cadre)
    soap = points.goods_set(village=village, name="洗衣液一瓶", points=6, stock=30, actor=cadre)
    towels = points.goods_set(village=village, name="毛巾两条", points=4, stock=0, actor=cadre)
    points.goods_receive(
        goods=towels, quantity=1, supplier="余村竹林专业合作社", donated=True, actor=cadre
    )  # the last one
    points.goods_receive(
        goods=soap,
        quantity=20,
        supplier="天荒坪镇惠民超市",
        cost="198.00",
        voucher=_picture("积分超市进货发票"),
        actor=cadre,
    )
    keeper = logins["grid_worker"]
    points.shopkeeper_add(village=village, phone=keeper.phone, actor=cadre)
    points.counter_redeem(household=houses[0], goods=rice, quantity=1, actor=keeper)

    # A neighbour dispute handed to the mediation committee, with its first work recorded; the answer, the clock
    # and the rates stay with the cadre who handles the concern.
    head = logins["representative"] if hasattr(logins["representative"], "villager") else leader
    org.member_add(organisation=mediation, villager=head.villager, is_leader=True, actor=cadre)
    # A public matter (a new wall across the shared lane), taken by the cadre from a neighbour's phone call.
    dispute = concern_services.concern_submit(
        actor=cadre,
        category=Category.objects.filter(code="neighbours").first(),
        kind=Kind.COMPLAINT,
        text="邻居新砌的围墙占了两家共用的出路，协商了几次没有结果，请村里调解。",
        villager=houses[2].representative,
        village=village,
        channel=Channel.PHONE,
    )
    handover = org.concern_hand(
        concern=dispute,
        organisation=mediation,
        note="围墙占道纠纷，请调委会上门调解。",
        actor=dispute.owner or cadre,
    )
    org.handover_work(
        handover=handover,
        text="调委会两名委员上门查看围墙位置，分别听取两家意见，约定下周三在村委会当面调解。",
        actor=head,
    )

    # Next week: elder visits, open for sign-up (the printed villager may sign up).
    soon = (timezone.localtime() + dt.timedelta(days=6)).replace(hour=9, minute=0, second=0, microsecond=0)
    visit = org.activity_create(
        organisation=team,
        title="敬老院探访",
        place="天荒坪镇敬老院",
        starts_at=soon,
        ends_at=soon + dt.timedelta(hours=2),
        places=8,
        description="陪老人聊天、打扫房间。",
        tell_members=False,
        actor=leader,
    )
    org.sign_up(activity=visit, villager=houses[1].representative, actor=leader)
    return {"organisations": 3, "organisation_activities": 2, "points_proposed_from_outcomes": proposed}
