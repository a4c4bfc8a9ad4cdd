"""In a real browser: a cadre writes a disclosure with a full ID number, sees it masked, publishes it and prints
the A4 notice; the QR code printed on it is read back from the rendered PDF and the link it encodes opens the
post on a villager's phone, where they ask a question. Then the ledger: an entry is recorded, the public
verification page says the chain is intact. Screenshots in test-artifacts/screenshots/disclosure-*."""

import subprocess
import tempfile
from pathlib import Path

import pytest
import segno
from PIL import Image
from playwright.sync_api import expect

from cunzhi.disclosure.models import Post
from cunzhi.ledger.models import Entry
from cunzhi.people.models import Role, RoleAssignment
from cunzhi.people.tests.factories import UserFactory

from .helpers import PHONE, SCREENSHOTS, horizontal_overflow, log_in, shot

pytestmark = [pytest.mark.e2e]

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def people(transactional_db, world):
    supervisor = UserFactory(phone="13900000040", name="周监督")
    RoleAssignment.objects.create(user=supervisor, role=Role.SUPERVISOR, region=world.village_a)
    world.supervisor_a = supervisor
    return world


def qr_matrix_from_png(path: Path, modules: int) -> list[list[bool]]:
    """Sample the QR code printed in the top right corner of the notice's first page, module by module."""
    img = Image.open(path).convert("L")
    w, h = img.size
    px = img.load()
    dark = lambda x, y: px[x, y] < 110  # noqa: E731
    # The QR sits in the top-right quarter; its first dark row runs across both upper finder patterns.
    x0, y_top = w // 2, None
    for y in range(h // 4):
        xs = [x for x in range(x0, w) if dark(x, y)]
        if len(xs) > 5:
            y_top, left, right = y, xs[0], xs[-1]
            break
    assert y_top is not None, "no QR code found on the page"
    size = (right - left + 1) / modules
    return [
        [dark(int(left + (c + 0.5) * size), int(y_top + (r + 0.5) * size)) for c in range(modules)]
        for r in range(modules)
    ]


def test_disclosure_on_paper_and_screen(people, open_page):
    cadre = open_page()
    log_in(cadre, people.cadre_a.phone, people.password)
    cadre.goto("/disclosure/new/")
    cadre.locator("#id_village").select_option(people.village_a.code)
    cadre.locator("#id_category").select_option("village")
    cadre.locator("#id_title").fill("2024年第三季度低保公示")
    cadre.locator("#id_body").fill(f"经村民代表会议评议，下列农户纳入低保。\n申请人 张三 身份证 {ID_NUMBER}")
    cadre.locator("#id_table").fill("姓名\t类别\t金额（元）\n张三\t低保\t1,200.00\n李梅\t低保\t960.00")
    cadre.locator("main form button[type=submit]").click()
    masked = cadre.locator("#masked")
    expect(masked).to_contain_text("110105********002X")
    assert ID_NUMBER not in cadre.locator("main").inner_text()
    shot(cadre, "disclosure-draft-masked")
    with cadre.expect_navigation():
        cadre.locator("form[action$='/publish/'] button").click()
    post = Post.objects.get()
    assert post.status == "published"

    # The printed notice: an A4 PDF. Read the link under the QR code and the QR code itself.
    response = cadre.request.get(f"/disclosure/p/{post.public_id}/notice.pdf")
    assert response.status == 200
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "notice.pdf"
        pdf.write_bytes(response.body())
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "2024年第三季度低保公示" in text and ID_NUMBER not in text and "110105********002X" in text
        url = next(line.strip() for line in text.splitlines() if "/disclosure/p/" in line)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(pdf), str(Path(tmp) / "page")], check=True
        )
        page_png = next(Path(tmp).glob("page*.png"))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        Image.open(page_png).save(SCREENSHOTS / "disclosure-notice-pdf.png")
        qr = segno.make(url, error="m", micro=False)
        expected = [[bool(v) for v in row] for row in qr.matrix]
        printed = qr_matrix_from_png(page_png, len(expected))
        wrong = sum(a != b for ra, rb in zip(printed, expected) for a, b in zip(ra, rb))
        assert wrong == 0, f"{wrong} modules of the printed QR code differ from the code for {url}"

    # A villager scans it on the phone: the encoded link opens the post (path on this server).
    phone = open_page(PHONE)
    log_in(phone, people.villager_a.phone, people.password)
    path = "/" + url.split("/", 3)[3]
    phone.goto(path)
    expect(phone.locator("h1")).to_contain_text("2024年第三季度低保公示")
    expect(phone.locator("#reach")).to_contain_text("1")
    phone.locator("#id_text").fill("低保金每月几号发放？")
    phone.locator("#questions form button[type=submit]").click()
    expect(phone.locator(".qa")).to_contain_text("低保金每月几号发放")
    assert horizontal_overflow(phone) == 0
    shot(phone, "disclosure-post-phone")

    # The cadre answers in public.
    cadre.goto(path)
    cadre.locator(".qa textarea").fill("每月10日前发放到社保卡。")
    cadre.locator(".qa form button[type=submit]").click()
    expect(cadre.locator(".qa .answer")).to_contain_text("每月10日前")

    # The village calendar on the phone.
    phone.goto(f"/disclosure/calendar/?village={people.village_a.code}")
    assert horizontal_overflow(phone) == 0
    shot(phone, "disclosure-calendar-phone")


def test_finance_review_and_ledger(people, open_page):
    cadre = open_page()
    log_in(cadre, people.cadre_a.phone, people.password)
    cadre.goto(f"/ledger/v/{people.village_a.code}/new/")
    cadre.locator("#id_amount").fill("-5")
    cadre.locator("#id_purpose").fill("购买水泥")
    cadre.locator("#id_counterparty").fill("安吉县鸿达建材")
    cadre.locator("input[name=direction][value=expenditure]").check()
    cadre.locator("main form button[type=submit]").click()
    expect(cadre.get_by_role("alert").first).to_be_visible()
    assert not Entry.objects.exists()
    shot(cadre, "ledger-entry-refused")
    cadre.locator("#id_amount").fill("1250.50")
    cadre.locator("main form button[type=submit]").click()
    expect(cadre.locator("main table")).to_contain_text("1,250.50")
    assert Entry.objects.count() == 1

    phone = open_page(PHONE)
    phone.goto(f"/ledger/v/{people.village_a.code}/")
    assert horizontal_overflow(phone) == 0
    shot(phone, "ledger-village-phone")
    phone.goto(f"/ledger/verify/?village={people.village_a.code}")
    expect(phone.locator("#result")).to_have_class("card verify-ok")
    shot(phone, "ledger-verify-phone")
    entry = Entry.objects.get()
    Entry.objects.filter(pk=entry.pk).update(amount_fen=1)
    phone.reload()
    expect(phone.locator("#result")).to_have_class("card verify-bad")
    expect(phone.locator(f"#result a[href='/ledger/e/{entry.public_id}/']")).to_be_visible()
    shot(phone, "ledger-verify-tampered-phone")
