"""In a real browser on a 360 px phone, a village election from the voter list to the announcement: the committee
registers the voters from the roster and publishes the list, a villager objects and the committee decides, the
list becomes final, a proxy is registered with the signed form's photo, nomination slips are recorded, the
formal candidates published, a polling station set up and its numbered ballots printed, two tellers enter the
count (first differing, then agreeing), the result leaves the women's seat empty, the runoff is counted twice
and the result announced. Screenshots in normal and elder mode: test-artifacts/screenshots/elections-*."""

import datetime as dt

import pytest
from PIL import Image

from cunzhi.elections import services
from cunzhi.elections.models import Stage
from cunzhi.elections.tests.conftest import el, voter  # noqa: F401  (the election fixture)
from cunzhi.people.tests.factories import TEST_PASSWORD, UserFactory

from .helpers import PHONE, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]


def _both(page, live_server, name):
    shot(page, f"elections-{name}")
    assert horizontal_overflow(page) <= 1, name
    page.context.add_cookies([{"name": "text_size", "value": "large", "url": live_server.url}])
    page.reload()
    shot(page, f"elections-{name}-elder")
    assert horizontal_overflow(page) <= 1, name
    page.context.clear_cookies(name="text_size")


def _submit(page, selector="main form.form button[type=submit]"):
    with page.expect_navigation():
        page.locator(selector).first.click()


def _count(page, station, numbers, votes, round_=1):
    page.goto(f"/elections/s/{station.public_id}/count/" + ("?round=2" if round_ == 2 else ""))
    for name, value in numbers.items():
        page.locator(f"#id_{name}").fill(str(value))
    for pid, value in votes.items():
        page.locator(f"#id_c_{pid}").fill(str(value))
    _submit(page)


def test_election_from_list_to_announcement(transactional_db, world, el, open_page, live_server, tmp_path, clock):  # noqa: F811
    e = el.election
    base = f"/elections/e/{e.public_id}"
    cadre = open_page(PHONE)
    log_in(cadre, world.cadre_a.phone, world.password)
    cadre.goto(f"{base}/")
    _both(cadre, live_server, "overview")
    _submit(cadre, "form[action$='/step/roster/'] button")
    _submit(cadre, "form[action$='/step/publish/'] button")
    e.refresh_from_db()
    assert e.stage == Stage.LIST_PUBLISHED and e.voters.count() == 8
    cadre.goto(f"{base}/voters/")
    assert "李小" not in cadre.content()  # 17 on election day
    _both(cadre, live_server, "voters")
    cadre.goto(f"{base}/voters/print/")
    shot(cadre, "elections-voters-print")

    villager = open_page(PHONE)
    log_in(villager, world.villager_a.phone, world.password)
    villager.goto(f"{base}/objections/")
    villager.locator("input[name=kind][value=wrongly_on]").check()
    villager.locator("#id_villager").select_option(el.p.sun.public_id)
    villager.locator("#id_text").fill("孙伟常年在杭州打工，不应列入。")
    _submit(villager)
    assert e.objections.count() == 1

    cadre.goto(f"{base}/objections/")
    _both(cadre, live_server, "objection")
    cadre.locator("form[action*='/decide/'] textarea").fill("孙伟户籍在本村，本人表示参加选举，应予登记（第十三条）。")
    with cadre.expect_navigation():
        cadre.locator("form[action*='/decide/'] button[value=reject]").click()
    assert e.objections.get().status == "rejected"

    clock.shift(6 * 86400)
    cadre.goto(f"{base}/")
    _submit(cadre, "form[action$='/step/finalise/'] button")
    e.refresh_from_db()
    assert e.stage == Stage.LIST_FINAL

    photo = tmp_path / "form.jpg"
    Image.new("RGB", (64, 48), "white").save(photo, "JPEG")
    cadre.goto(f"{base}/proxies/")
    cadre.locator("#id_grantor").select_option(voter(e, el.p.sun).public_id)
    cadre.locator("#id_holder").select_option(voter(e, el.p.li).public_id)
    cadre.locator("#id_relation").fill("邻居")
    cadre.locator("#id_form_photo").set_input_files(str(photo))
    _submit(cadre)
    assert "近亲属" in cadre.content() and not e.proxies.exists()  # not of the household: refused (zh-Hans page)
    cadre.locator("#id_holder").select_option(voter(e, el.p.zhao).public_id)
    cadre.locator("#id_relation").fill("兄弟")
    cadre.locator("#id_form_photo").set_input_files(str(photo))
    _submit(cadre)
    assert e.proxies.count() == 1
    _both(cadre, live_server, "proxies")

    v = {k: voter(e, getattr(el.p, k)).public_id for k in ("li", "wang", "zhao", "zhou", "qian")}
    for nominator, nominees in (("li", ["wang", "zhao", "zhou"]), ("qian", ["li", "wang", "zhou"])):
        cadre.goto(f"{base}/nominations/")
        cadre.locator("#id_nominator").select_option(v[nominator])
        for n in nominees:
            cadre.locator(f"input[name=nominees][value='{v[n]}']").check()
        _submit(cadre)
    _both(cadre, live_server, "nominations")

    cadre.goto(f"{base}/candidates/")
    for k in ("li", "wang", "zhao", "zhou"):
        cadre.locator(f"input[name=voters][value='{v[k]}']").check()
    _submit(cadre)
    e.refresh_from_db()
    assert e.stage == Stage.CANDIDATES
    _both(cadre, live_server, "candidates")

    cadre.goto(f"{base}/stations/")
    cadre.locator("#id_name").fill("村委会投票站")
    cadre.locator("#id_ballots").fill("8")
    _submit(cadre)
    station = e.stations.get()
    pdf = cadre.request.get(f"{live_server.url}/elections/s/{station.public_id}/ballots.pdf")
    assert pdf.ok and pdf.body()[:4] == b"%PDF"
    (tmp_path / "ballots.pdf").write_bytes(pdf.body())
    _both(cadre, live_server, "stations")

    # the second teller: a committee member chosen by a further resolution, with an account
    teller_user = UserFactory(phone="13955500001", name="钱丽")
    el.p.qian.user = teller_user
    el.p.qian.save()
    services.committee_member_add(
        election=e, villager=el.p.qian, resolution="村民代表会议决议第2号", actor=world.cadre_a
    )
    teller = open_page(PHONE)
    log_in(teller, teller_user.phone, TEST_PASSWORD)

    cands = {c.voter.villager.name: c.public_id for c in e.candidates.select_related("voter__villager")}
    numbers = {"returned": 6, "unused": 2, "invalid": 0}
    votes = {cands["李明"]: 6, cands["赵强"]: 5, cands["周杰"]: 4, cands["王芳"]: 2}
    _count(cadre, station, numbers, votes)
    _count(teller, station, numbers, {**votes, cands["周杰"]: 3})
    assert "周杰" in teller.locator("main").inner_text()  # says where the two counts differ
    _both(teller, live_server, "count-differs")
    _count(teller, station, numbers, votes)
    assert station.counts.exists()

    cadre.goto(f"{base}/stations/")
    _submit(cadre, "form[action$='/step/result/'] button")
    e.refresh_from_db()
    assert e.runoff_needed and e.result["first"]["women_seat_open"]
    cadre.goto(f"{base}/result/")
    _both(cadre, live_server, "result-first")

    runoff = {cands["周杰"]: 2, cands["王芳"]: 4}
    _count(cadre, station, numbers, runoff, round_=2)
    _count(teller, station, numbers, runoff, round_=2)
    runoff_pdf = cadre.request.get(f"{live_server.url}/elections/s/{station.public_id}/ballots.pdf?round=2")
    assert runoff_pdf.body()[:4] == b"%PDF"
    cadre.goto(f"{base}/stations/")
    _submit(cadre, "form[action$='/step/result/'] button")
    cadre.goto(f"{base}/result/")
    _submit(cadre, "form[action$='/step/announce/'] button")
    e.refresh_from_db()
    assert e.stage == Stage.ANNOUNCED and "王芳" in e.announcement

    villager.goto(f"{base}/result/")
    body = villager.locator("main").inner_text()
    assert "王芳" in body and "李明" in body
    _both(villager, live_server, "result")
    assert e.election_day > dt.date(2026, 6, 16)
