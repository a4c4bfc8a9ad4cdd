"""Demo data for the ledger: a year of 余村's income and expenditure, quarters signed off by the supervision
committee, one correction by a reversing entry, and the finance disclosures generated from the ledger."""

from __future__ import annotations

import datetime as dt

from cunzhi.disclosure.periods import quarter_bounds
from cunzhi.disclosure.services import post_approve
from cunzhi.ledger.models import Direction, FinanceCategory
from cunzhi.ledger.services import entry_append, entry_reverse, period_close, period_disclosure_generate
from cunzhi.people.models import Villager
from cunzhi.regions.models import Region

MAIN_VILLAGE = "330523100201"

INCOME = [  # (category, counterparty, purpose, low yuan, high yuan)
    (FinanceCategory.INCOME, "安吉县财政局", "村级组织运转经费补助", 30_000, 60_000),
    (FinanceCategory.RESOURCES, "余村竹林专业合作社", "集体竹林承包费", 20_000, 45_000),
    (FinanceCategory.ASSETS, "安吉两山旅游开发有限公司", "村集体房屋租金", 15_000, 40_000),
    (FinanceCategory.INCOME, "余村景区游客中心", "景区停车场收入分成", 8_000, 25_000),
    (FinanceCategory.INCOME, "天荒坪镇人民政府", "美丽乡村建设奖补资金", 50_000, 120_000),
]
SPEND = [
    (FinanceCategory.EXPENDITURE, "安吉县鸿达建材有限公司", "村道修缮材料款", 5_000, 30_000),
    (FinanceCategory.EXPENDITURE, "国网安吉县供电公司", "路灯及村委会电费", 800, 3_000),
    (FinanceCategory.EXPENDITURE, "安吉县绿源保洁服务部", "垃圾分类清运服务费", 3_000, 8_000),
    (FinanceCategory.EXPENDITURE, "湖州水务安吉分公司", "公共厕所水费", 300, 1_200),
    (FinanceCategory.DEBTS, "安吉农商银行天荒坪支行", "归还水利工程借款", 20_000, 50_000),
    (FinanceCategory.OTHER, "安吉县印刷厂", "村务公开栏印刷品", 300, 1_500),
]
PAYMENTS = [  # to villagers: they see these under "my payments"
    (FinanceCategory.DISTRIBUTION, "高龄老人生活补贴（{q}季度）", 300, 600),
    (FinanceCategory.EXPENDITURE, "村道清扫误工补贴", 600, 1_500),
    (FinanceCategory.DISTRIBUTION, "集体经济分红", 800, 1_200),
]


def _quarters(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The last three ended quarters and the running one."""
    start, end = quarter_bounds(today)
    out = [(start, end)]
    for _ in range(3):
        start, end = quarter_bounds(start - dt.timedelta(days=1))
        out.append((start, end))
    return out[::-1]


def seed(*, rng, today: dt.date, logins: dict) -> dict:
    """Entries through entry_append, sign-offs through period_close, disclosures through the ledger."""
    village = Region.objects.get(code=MAIN_VILLAGE)
    cadre, supervisor = logins["cadre"], logins["supervisor"]
    villager = Villager.objects.get(user=logins["villager"])
    payees = [
        villager,
        *list(Villager.objects.filter(region_code=MAIN_VILLAGE).exclude(pk=villager.pk).order_by("id")[:40]),
    ]
    counts = {"ledger_entries": 0, "ledger_periods": 0, "finance_disclosures": 0}

    def add(**kw):
        counts["ledger_entries"] += 1
        return entry_append(village=village, actor=cadre, audit=True, **kw)

    quarters = _quarters(today)
    add(
        date=quarters[0][0],
        direction=Direction.INCOME,
        category=FinanceCategory.OTHER,
        amount_fen=86_452_300,
        counterparty="上年结转",
        purpose="上年度结余转入",
    )
    reversed_one = False
    for qi, (q_start, q_end) in enumerate(quarters):
        last = min(q_end, today)
        days = (last - q_start).days + 1
        for _ in range(rng.randint(20, 30)):
            day = q_start + dt.timedelta(days=rng.randrange(days))
            if rng.random() < 0.35:
                category, who, purpose, low, high = rng.choice(INCOME)
                add(
                    date=day,
                    direction=Direction.INCOME,
                    category=category,
                    counterparty=who,
                    purpose=purpose,
                    amount_fen=rng.randint(low, high) * 100,
                )
            else:
                category, who, purpose, low, high = rng.choice(SPEND)
                e = add(
                    date=day,
                    direction=Direction.EXPENDITURE,
                    category=category,
                    counterparty=who,
                    purpose=purpose,
                    amount_fen=rng.randint(low, high) * 100 + rng.choice((0, 50)),
                )
                if not reversed_one and qi == len(quarters) - 1 and day <= today:
                    # A duplicated invoice found by the accountant: corrected by a reversing entry.
                    entry_reverse(entry=e, actor=cadre, reason="发票重复入账，予以冲销", date=today)
                    counts["ledger_entries"] += 1
                    reversed_one = True
        q_no = (q_start.month - 1) // 3 + 1
        for p in payees[: rng.randint(8, 14)] if qi % 2 == 0 else payees[:1] + payees[20:28]:
            category, purpose, low, high = rng.choice(PAYMENTS)
            add(
                date=min(q_start + dt.timedelta(days=rng.randint(5, 60)), last),
                direction=Direction.EXPENDITURE,
                category=category,
                counterparty="",
                payee=p,
                purpose=purpose.format(q=q_no),
                amount_fen=rng.randint(low, high) * 100,
            )
        if q_end < today:
            period = period_close(
                village=village,
                kind="quarter",
                start=q_start,
                actor=supervisor,
                today=today,
                comment="经村务监督委员会逐笔核对凭证，账实相符。",
            )
            counts["ledger_periods"] += 1
            post = period_disclosure_generate(period=period, actor=cadre)
            counts["finance_disclosures"] += 1
            if qi < len(quarters) - 2:  # the latest closed quarter still waits for the committee's review
                post_approve(post=post, actor=supervisor, comment="已审核，同意公开。")
    return counts
