"""post_publish_about: the one entry point meetings and consultations call (any saved object can be the source)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cunzhi.core.idnumbers import id_number_build
from cunzhi.core.models import AuditEvent
from cunzhi.disclosure.models import Category, DueItem, Post, PostStatus
from cunzhi.disclosure.services import post_publish_about
from cunzhi.notify.models import Notice

ID = id_number_build("330523", dt.date(1961, 3, 9), 123)


def test_publishes_at_once_and_masks(world):
    post = post_publish_about(
        about=world.village_a,
        village=world.village_a,
        category="village",
        title="村民代表会议决议",
        body=f"经表决通过。联系人身份证 {ID}，账户 6222 0212 3456 7890 123。",
        actor=world.cadre_a,
        source_url="/meetings/m/abc/",
    )
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED and post.published_at is not None
    assert post.generated and post.source_url == "/meetings/m/abc/"
    assert ID not in post.body and "330523********" + ID[-4:] in post.body
    assert "6222021234567890123" not in post.body.replace(" ", "") and "***************0123" in post.body
    assert [m["kind"] for m in post.masked_items] == ["id", "bank"]
    assert AuditEvent.objects.filter(action="disclosure.post.publish", object_id=str(post.pk)).exists()
    # The village's villagers are told (announcement).
    assert Notice.objects.filter(template="disclosure_published", region_code=world.village_a.code).exists()


def test_attaches_pdf(world):
    post = post_publish_about(
        about=world.village_a,
        village=world.village_a,
        category="party",
        title="党员大会决议",
        body="决议全文见附件。",
        actor=world.cadre_a,
        pdf=b"%PDF-1.4\n%fake\n",
    )
    assert post.attachment.read().startswith(b"%PDF-")


@pytest.mark.parametrize("category", ["finance", "nonsense", ""])
def test_refuses_finance_and_unknown_categories(world, category):
    with pytest.raises(ValueError):
        post_publish_about(
            about=world.village_a, village=world.village_a, category=category, title="t", body="b", actor=world.cadre_a
        )
    assert not Post.objects.exists()


def test_refuses_non_village_and_bad_pdf(world):
    with pytest.raises(ValueError):
        post_publish_about(
            about=world.village_a,
            village=world.township_t,
            category="village",
            title="t",
            body="b",
            actor=world.cadre_a,
        )
    with pytest.raises(ValueError):
        post_publish_about(
            about=world.village_a,
            village=world.village_a,
            category="village",
            title="t",
            body="b",
            actor=world.cadre_a,
            pdf=b"<html>",
        )
    assert not Post.objects.exists()


def test_empty_text_is_refused(world):
    with pytest.raises(ValidationError):
        post_publish_about(
            about=world.village_a, village=world.village_a, category="village", title="", body="", actor=world.cadre_a
        )
    assert not Post.objects.exists()


def test_category_values_are_the_documented_ones():
    assert set(Category.values) == {"party", "village", "finance"}


def test_does_not_fulfil_calendar_without_period(world):
    post_publish_about(
        about=world.village_a,
        village=world.village_a,
        category="village",
        title="决议",
        body="内容",
        actor=world.cadre_a,
    )
    assert not DueItem.objects.filter(post__isnull=False).exists()


def test_one_post_per_source_object(world):
    """The post names the object it is about; publishing about it again returns the same post."""
    first = post_publish_about(
        about=world.village_a,
        village=world.village_a,
        category="village",
        title="决议",
        body="内容",
        actor=world.cadre_a,
    )
    again = post_publish_about(
        about=world.village_a,
        village=world.village_a,
        category="village",
        title="决议",
        body="内容",
        actor=world.cadre_a,
    )
    assert again.pk == first.pk and Post.objects.count() == 1
    assert (first.about_type, first.about_id) == ("regions.region", world.village_a.pk)
