"""Points figures (issue 16): points by item, and objections with their outcome, on the hand-built `story`
(conftest.py): every number below is counted by hand from it."""

from django.contrib.auth.models import AnonymousUser

from cunzhi.points import rules, selectors, services
from cunzhi.points.models import Adoption, Item, Objection
from cunzhi.regions.models import Level, Region

from .conftest import JUNE, MAY, Q2


def _rows(rows):
    return [(r["title"], r["sign"], r["villages"], r["entries"], r["points"], r["households"]) for r in rows]


def test_points_by_item_adds_up_the_counted_entries_of_each_item(world, story, django_assert_num_queries):
    township = world.township_t.prefix
    with django_assert_num_queries(1):
        rows = selectors.figures_by_item(prefix=township, **JUNE)
    # The clean-up: used by two villages, two entries counted in June for one household; the overturned one,
    # the one counted in May, the base grants and the deduction waiting for review are not in it.
    assert _rows(rows) == [
        ("参加环境整治", "positive", 2, 2, 12, 1),
        ("乱倒垃圾", "negative", 1, 1, -5, 1),
    ]
    assert _rows(selectors.figures_by_item(prefix=township, **MAY)) == [
        ("参加环境整治", "positive", 2, 1, 6, 1),
        ("乱倒垃圾", "negative", 1, 0, 0, 0),
    ]
    assert _rows(selectors.figures_by_item(prefix=township, **Q2))[0] == ("参加环境整治", "positive", 2, 3, 18, 1)
    assert rows[0]["item"] == Item.objects.get(title="参加环境整治").public_id
    # Village B has no adoption: no rows. The village alone: only what it uses itself.
    assert selectors.figures_by_item(prefix=world.village_b.prefix, **JUNE) == []
    village = selectors.figures_by_item(prefix=world.village_a.prefix, **JUNE)
    assert _rows(village)[0] == ("参加环境整治", "positive", 1, 2, 12, 1)


def test_the_households_beside_points_by_item(world, story, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.figures_by_item_households(prefix=world.township_t.prefix, **JUNE) == (2, 2)
    assert selectors.figures_by_item_households(prefix=world.township_t.prefix, **MAY) == (1, 2)  # 张三's only
    assert selectors.figures_by_item_households(prefix=world.county.prefix, **JUNE) == (2, 3)  # B's household
    assert selectors.figures_by_item_households(prefix=world.village_b.prefix, **JUNE) == (0, 1)


def test_points_by_item_is_one_query_whatever_the_items_and_villages(world, pw, story, django_assert_num_queries):
    for i in range(5):
        village = Region.objects.create(
            code=f"3305231003{i:02d}", name=f"村{i}", level=Level.VILLAGE, parent=world.township_t
        )
        item = services.item_create(
            township=world.township_t,
            title=f"项目{i}",
            sign="negative" if i % 2 else "positive",
            points=2,
            min_points=1,
            max_points=3,
            actor=world.township_staff,
        )
        Adoption.objects.create(village=village, item=item, points=2)
        Adoption.objects.create(village=village, item=pw.cleanup, points=5)
    with django_assert_num_queries(1):
        rows = selectors.figures_by_item(prefix=world.county.prefix, **JUNE)
    assert [r["sign"] for r in rows] == ["positive"] * 4 + ["negative"] * 3
    assert _rows(rows)[0] == ("参加环境整治", "positive", 7, 2, 12, 1)  # positive first, most entries first


def test_objections_upheld_out_of_those_decided_in_the_period(world, story):
    args = {"prefix": world.county.prefix, "length": 12}
    a = world.village_a.code
    assert selectors.figures_objections_upheld(**args, **JUNE) == {a: (1, 2)}  # the open one is not decided
    assert selectors.figures_objections_upheld(**args, **MAY) == {a: (0, 1)}
    assert selectors.figures_objections_upheld(**args, **Q2) == {a: (1, 3)}
    assert selectors.figures_objections_raised(**args, **JUNE) == {a: (3, None)}
    assert selectors.figures_objections_raised(**args, **Q2) == {a: (4, None)}
    by_township = selectors.figures_objections_upheld(prefix=world.county.prefix, length=12 - 3, **JUNE)
    assert by_township == {world.township_t.prefix: (1, 2)}


def test_objections_readable_follow_who_sees_the_board(world, story, other_office_staff, supervisor_a):
    n = Objection.objects.count()
    for user in (world.villager_a, world.cadre_a, world.township_staff, world.county_admin, supervisor_a):
        assert selectors.objections_readable(user).count() == n, user
        assert rules.can_see_village(user, world.village_a.code)
    for user in (AnonymousUser(), world.villager_b, world.other_township_staff, other_office_staff):
        assert selectors.objections_readable(user).count() == 0, user
        assert not rules.can_see_village(user, world.village_a.code)
