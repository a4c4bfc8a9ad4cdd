"""In a real browser: a villager comments on a paragraph of the draft village rules, the owner closes
the consultation and writes the response report, and the villager sees what became of the comment.
Pages fit a 360-px phone. Selectors use ids, names and roles, not wording."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cunzhi.consultations import services
from cunzhi.consultations.texts import paragraphs_split

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]

TEXT = """第一条 为加强村民自治，建设美丽乡村，根据有关法律法规，制定本村规民约。

第二条 村民应当爱护公共环境，垃圾分类投放，不乱倒垃圾，不在溪流中洗涤农药器具。

第三条 红白喜事从简办理，婚宴不超过二十桌，丧事不大操大办。

第四条 本村规民约由村民会议讨论通过后施行。"""


@pytest.fixture
def people(transactional_db, world):
    return world


@pytest.fixture
def draft(people):
    today = timezone.localdate()
    draft = services.draft_create(
        actor=people.cadre_a,
        title="鹤鹿溪村村规民约（修订征求意见稿）",
        kind="village_rules",
        scope=people.village_a,
        owner_committee="鹤鹿溪村村民委员会",
        opens_on=today,
        closes_on=today + dt.timedelta(days=13),
        paragraphs=paragraphs_split(TEXT),
        summary="请全体村民（包括在外务工的村民）提出修改意见。",
    )
    services.draft_publish(actor=people.cadre_a, draft=draft)
    return draft


def test_villager_comments_owner_answers_villager_sees_the_outcome(people, draft, open_page):
    comment_text = "婚宴二十桌太多，建议不超过十五桌。<b>不是粗体</b>"

    # The villager, on a phone: the list, the draft, paragraph 3, a comment.
    villager = open_page(PHONE)
    log_in(villager, people.villager_a.phone, people.password)
    villager.goto("/consultations/")
    expect(villager.locator("main")).to_contain_text(draft.title)
    shot(villager, "consultations-list-phone")
    villager.locator(f"a[href='/consultations/{draft.public_id}/']").first.click()
    expect(villager.locator("#p-3")).to_contain_text("二十桌")
    assert horizontal_overflow(villager) == 0
    shot(villager, "consultations-draft-phone")
    villager.locator(f"#p-3 a[href='/consultations/{draft.public_id}/paragraphs/3/']").click()
    villager.locator("button[name=stance][value=support]").click()
    expect(villager.locator("button[name=stance][value=support]")).to_have_attribute("aria-pressed", "true")
    villager.locator("#id_body").fill(comment_text)
    villager.locator("#comment-form button[type=submit]").click()
    comment = villager.locator("article.comment").first
    expect(comment).to_contain_text("建议不超过十五桌")
    expect(comment.locator(".body")).to_contain_text("<b>不是粗体</b>")  # markup shown as text
    assert comment.locator(".body b").count() == 0
    assert horizontal_overflow(villager) == 0
    shot(villager, "consultations-paragraph-commented-phone")

    # The owner (the village cadre), on a desktop: close, answer, summarise, publish.
    owner = open_page()
    log_in(owner, people.cadre_a.phone, people.password)
    owner.goto(f"/consultations/{draft.public_id}/")
    owner.locator("#close").click()
    expect(owner.locator("#write-report")).to_be_visible()
    owner.locator("#write-report").click()
    expect(owner).to_have_url(re.compile(r"/response/$"))
    answer = owner.locator("div.answer").first
    expect(answer).to_contain_text("建议不超过十五桌")
    answer.locator("select").select_option("partly")
    answer.locator("textarea").fill("改为不超过十八桌：多数村民赞成压缩，但要照顾大家族。")
    owner.locator("#save-answers").click()
    owner.locator("#id_summary").fill("共收到意见1条，部分采纳1条。修订稿第三条改为不超过十八桌。")
    owner.locator("form:has(input[name=action][value=summary]) button[type=submit]").click()
    shot(owner, "consultations-response-desktop")
    owner.locator("#publish-report").click()
    expect(owner).to_have_url(re.compile(rf"/consultations/{draft.public_id}/report/$"))
    expect(owner.locator("main")).to_contain_text("十八桌")

    # The villager is told, and sees what became of the comment.
    villager.goto("/notify/inbox/")
    expect(villager.locator("main")).to_contain_text(draft.title[:10])
    villager.goto("/consultations/mine/")
    mine = villager.locator("article.comment").first
    expect(mine.locator(".outcome.partly")).to_be_visible()
    expect(mine).to_contain_text("十八桌")
    assert horizontal_overflow(villager) == 0
    shot(villager, "consultations-mine-outcome-phone")
    villager.goto(f"/consultations/{draft.public_id}/report/")
    expect(villager.locator("main")).to_contain_text("共收到意见1条")
    assert horizontal_overflow(villager) == 0
    shot(villager, "consultations-report-phone")


def test_outsider_sees_no_draft_and_figures_fit_a_phone(people, draft, open_page):
    outsider = open_page(PHONE)
    log_in(outsider, people.villager_b.phone, people.password)
    response = outsider.goto(f"/consultations/{draft.public_id}/")
    assert response.status == 404
    services.comment_add(actor=people.villager_a, draft=draft, body="整体同意", paragraph=None)
    staff = open_page(PHONE)
    log_in(staff, people.township_staff.phone, people.password)
    staff.goto(f"/consultations/{draft.public_id}/figures/")
    expect(staff.locator("#fig-participants")).to_have_text("1")
    assert horizontal_overflow(staff) == 0
    shot(staff, "consultations-figures-phone")


def test_next_version_shows_what_changed(people, draft, open_page):
    comment = services.comment_add(
        actor=people.villager_a, draft=draft, body="婚宴改为十五桌", paragraph=draft.paragraphs.get(number=3)
    )
    services.draft_close(draft=draft, actor=people.cadre_a)
    services.comment_set_outcome(actor=people.cadre_a, comment=comment, outcome="adopted", reason="")
    services.report_save(actor=people.cadre_a, draft=draft, summary="采纳1条。")
    services.report_publish(actor=people.cadre_a, draft=draft)
    owner = open_page(PHONE)
    log_in(owner, people.cadre_a.phone, people.password)
    owner.goto(f"/consultations/{draft.public_id}/")
    owner.locator(f"form[action='/consultations/{draft.public_id}/new-version/'] button").click()
    expect(owner).to_have_url(re.compile(r"/edit/$"))
    text = owner.locator("#id_text").input_value().replace("二十桌", "十五桌")
    owner.locator("#id_text").fill(text + "\n\n第五条 禁止在河道内洗涤农药器具。")
    with owner.expect_navigation():
        owner.locator("main form button[type=submit]").click()
    with owner.expect_navigation():
        owner.locator("#publish").click()
    owner.goto(owner.url.split("#")[0] + "changes/")
    expect(owner.locator("ins").first).to_be_visible()
    expect(owner.locator("del").first).to_have_text("二")
    assert horizontal_overflow(owner) == 0
    shot(owner, "consultations-changes-phone")
