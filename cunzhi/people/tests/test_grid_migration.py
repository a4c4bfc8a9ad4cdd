"""Grids moved from regions to people by state only: the rows, the villagers' links and the content
type stay where they were (people.0007, regions.0002)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import dbcache

BEFORE = [("people", "0006_fold_full_width_identifiers"), ("regions", "0001_initial")]
AFTER = [("people", "0007_grid_from_regions"), ("regions", "0002_grid_to_people")]


@pytest.mark.django_db(transaction=True)
def test_grids_keep_their_rows_links_and_permissions():
    # From an empty database (forward is cheap, unapplying every later migration is not); the migrated
    # database is copied back afterwards, as the other tests expect it.
    with dbcache.empty_database():
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        Region, Grid, Villager = (
            old.get_model(*m) for m in (("regions", "Region"), ("regions", "Grid"), ("people", "Villager"))
        )
        ContentType = old.get_model("contenttypes", "ContentType")
        ContentType.objects.get_or_create(app_label="regions", model="grid")
        village = Region.objects.create(code="330523100201", name="鹤鹿溪村", level="village", prefix="330523100201")
        grid = Grid.objects.create(village=village, region_code=village.code, name="东片")
        Villager.objects.create(
            name="张三", id_number="x", id_hash="h", sex="M", birth_date="1980-01-01", village=village,
            region_code=village.code, grid=grid, public_id="p1",
        )  # fmt: skip

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        moved = new.get_model("people", "Grid").objects.get()
        assert (moved.pk, moved.name, moved.village_id) == (grid.pk, "东片", village.pk)
        assert new.get_model("people", "Villager").objects.get().grid_id == grid.pk
        types = new.get_model("contenttypes", "ContentType").objects
        assert types.filter(app_label="people", model="grid").exists()
        assert not types.filter(app_label="regions", model="grid").exists()
