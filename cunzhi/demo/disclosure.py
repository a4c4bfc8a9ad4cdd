"""Demo data for disclosure: 余村's party and village affairs posts of the last three quarters, a major matter
disclosed immediately, a draft showing the privacy guard, published posts in half of the other villages (the
rest overdue), questions with public answers, reads, and the calendar."""

from __future__ import annotations

import datetime as dt

from cunzhi.core.periods import previous_period
from cunzhi.disclosure.models import DueItem, Post
from cunzhi.disclosure.services import (
    due_items_ensure,
    post_create,
    post_publish,
    post_read_record,
    question_answer,
    question_ask,
    schedule_set,
)
from cunzhi.people.models import Role, RoleAssignment, User
from cunzhi.regions.models import Level, Region

MAIN_VILLAGE = "330523100201"

VILLAGE_TEXT = """一、重大事项决策情况
本季度召开村民代表会议{meetings}次，审议通过《余村矿山遗址公园二期建设方案》和《村规民约（修订稿）》。
二、项目建设情况
村道白改黑工程完成{km}公里，竹林步道修缮工程已通过镇级验收。
三、惠民政策落实情况
本季度新增低保户{dibao}户、残疾人两项补贴{disabled}人，名单如下表。以上情况如有异议，请于公示之日起7日内向村务监督委员会反映。"""
PARTY_TEXT = """一、组织建设
本季度发展预备党员{n}名，按期转正{m}名，召开支部党员大会{meetings}次。
二、党费收缴
党员应交党费均已足额收缴，党费收缴明细见下表。
三、主题党日
开展"两山理念"主题党日活动{days}次，参加党员共计{people}人次。"""


def _table(rng, villagers) -> list[dict]:
    rows = []
    for v in villagers:
        kind = rng.choice(["低保", "残疾人生活补贴", "重度残疾人护理补贴"])
        # The roster's full ID numbers go in; the privacy guard masks them before anything is stored.
        rows.append([v.name, v.id_number, v.group.name if v.group_id else "", kind])
    return [{"title": "", "header": ["姓名", "身份证号", "村民小组", "类别"], "rows": rows}]


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    """Posts through the services: the privacy guard, the calendar and the notifications all run as in use."""
    counts = {"disclosure_posts": 0, "disclosure_questions": 0, "disclosure_due_items": 0}
    main = Region.objects.get(code=MAIN_VILLAGE)
    cadre, secretary = logins["cadre"], logins["party_secretary"]
    villagers = list(main.villagers.select_related("group").order_by("id")[:200])

    def publish(post):
        post_publish(post=post, actor=post.author)
        counts["disclosure_posts"] += 1
        return post

    due_items_ensure(today=today)
    # 余村: each of the last three ended quarters disclosed.
    q_start, q_end = previous_period("quarterly", today)
    quarters = []
    for _ in range(3):
        quarters.append((q_start, q_end))
        q_start, q_end = previous_period("quarterly", q_start)
    for start, end in reversed(quarters):
        q = (start.month - 1) // 3 + 1
        village_post = post_create(
            village=main,
            category="village",
            actor=cadre,
            period_start=start,
            period_end=end,
            title=f"余村{start.year}年第{q}季度村务公开",
            body=VILLAGE_TEXT.format(
                meetings=rng.randint(1, 3),
                km=rng.choice(["1.2", "2.4", "0.8"]),
                dibao=rng.randint(1, 3),
                disabled=rng.randint(2, 5),
            ),
            tables=_table(rng, rng.sample(villagers, 5)),
        )
        publish(village_post)
        party_post = post_create(
            village=main,
            category="party",
            actor=secretary,
            period_start=start,
            period_end=end,
            title=f"余村党支部{start.year}年第{q}季度党务公开",
            body=PARTY_TEXT.format(
                n=rng.randint(0, 2),
                m=rng.randint(0, 2),
                meetings=rng.randint(1, 3),
                days=3,
                people=rng.randint(80, 140),
            ),
            tables=[
                {
                    "title": "",
                    "header": ["党小组", "应交人数", "实交人数", "金额（元）"],
                    "rows": [
                        [f"第{n}党小组", str(k), str(k), f"{k * rng.randint(12, 30)}.00"]
                        for n, k in ((1, 12), (2, 15), (3, 11))
                    ],
                }
            ],
        )
        publish(party_post)
    # A major matter, disclosed immediately.
    publish(
        post_create(
            village=main,
            category="village",
            actor=cadre,
            title="关于余村矿山遗址公园二期工程招标结果的公告",
            body="经公开招标，余村矿山遗址公园二期工程由浙江安吉建工集团有限公司中标，中标价 3,860,000.00 元，"
            "工期 180 天。项目资金来源：美丽乡村建设奖补资金及村集体经济收入。"
            "对招标结果有异议的，请于公示之日起5日内向村务监督委员会或镇纪委反映。",
        )
    )
    # A draft with a bank account typed in: the author sees what the guard masked before publishing.
    post_create(
        village=main,
        category="village",
        actor=cadre,
        title="竹林流转租金发放公示（草稿）",
        body="流转租金已打入各户社保卡，张建国 账号 6217 0012 3456 7890 123，如有疑问请联系村会计。",
    )

    # Other villages: some published, most still owing (the township sees them overdue, first).
    others = list(Region.objects.filter(level=Level.VILLAGE).exclude(code=MAIN_VILLAGE).order_by("code"))
    last_q = previous_period("quarterly", today)
    for v in others[: len(others) // 2]:
        author = RoleAssignment.objects.filter(region=v, role=Role.CADRE).select_related("user").first()
        if author is None:
            continue
        q = (last_q[0].month - 1) // 3 + 1
        publish(
            post_create(
                village=v,
                category="village",
                actor=author.user,
                period_start=last_q[0],
                period_end=last_q[1],
                title=f"{v.name}{last_q[0].year}年第{q}季度村务公开",
                body=f"{v.name}本季度村务情况：完成农村人居环境整治，召开村民代表会议一次。",
            )
        )

    # Villagers read and ask; the cadre answers in public.
    latest = Post.objects.filter(region_code=MAIN_VILLAGE, status="published").order_by("-published_at").first()
    readers = User.objects.filter(villager__region_code=MAIN_VILLAGE)
    for post in Post.objects.filter(region_code=MAIN_VILLAGE, status="published"):
        for user in readers:
            if rng.random() < 0.7:
                post_read_record(post=post, user=user)
    asker = logins["villager"]
    for text, answer in [
        (
            "矿山遗址公园二期完工后，停车场收入怎么分配？",
            "停车场收入纳入村集体经济收入，年底按村民代表会议通过的分配方案分红，届时另行公示。",
        ),
        ("中标价里包括景观绿化吗？", "包括。绿化工程约 42 万元，详见招标文件第三章，可到村委会查阅。"),
    ]:
        q = question_ask(post=latest, actor=asker, text=text)
        question_answer(question=q, actor=cadre, answer=answer)
        counts["disclosure_questions"] += 1
    # One question still waits for its answer.
    question_ask(post=latest, actor=logins["villager_away"], text="在外务工的村民能否线上参加下次村民代表会议？")
    counts["disclosure_questions"] += 1
    # 余村 gives party affairs 15 days after each quarter (the township's schedule page records who set it).
    schedule_set(
        village=main,
        category="party",
        frequency="quarterly",
        grace_days=15,
        actor=logins["township_staff"],
        today=today,
    )
    counts["disclosure_due_items"] = DueItem.objects.count()
    return counts
