"""Scope paths: a record scoped through a related record, by the one scoping API.

A test-only pair of models (a post with an area, a passage scoped through its post) lives in an
isolated app registry; its tables are created for the test and dropped after, so nothing ships.
"""

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from fangkong.core.scoping import (
    ScopedManager,
    covers,
    restrict,
    scope_area_id_of,
    scope_q,
    user_can,
)
from fangkong.core.sensitive import can_view_sensitive
from fangkong.places.models import Area

PERM = "people.view_person"


@pytest.fixture
def pair():
    with isolate_apps("fangkong.core"):

        class Post(models.Model):
            name = models.CharField(max_length=20)
            area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
            objects = ScopedManager()

            class Meta:
                app_label = "core"
                db_table = "test_scope_post"

            def __str__(self):
                return self.name

        class Passage(models.Model):
            # Not a ScopedModel and no area column: scoped through its post.
            scope_path = "post__area__path"
            post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
            objects = ScopedManager()

            class Meta:
                app_label = "core"
                db_table = "test_scope_passage"

            def __str__(self):
                return f"passage {self.pk}"

        yield Post, Passage


@pytest.fixture
def tables(pair, transactional_db):
    Post, Passage = pair
    with connection.schema_editor() as editor:
        editor.create_model(Post)
        editor.create_model(Passage)
    yield pair
    with connection.schema_editor() as editor:
        editor.delete_model(Passage)
        editor.delete_model(Post)


def test_a_record_scoped_through_its_parent_is_restricted_by_the_parents_area(
    tables, world, grid_worker, outsider, commander
):
    Post, Passage = tables
    mine = Passage.objects.create(post=Post.objects.create(name="东湖卡口", area=world.grid))
    theirs = Passage.objects.create(
        post=Post.objects.create(name="南湾卡口", area=world.other_grid)
    )
    assert list(restrict(Passage.objects.all(), grid_worker, perm=PERM)) == [mine]
    assert list(Passage.objects.restrict(outsider, perm=PERM)) == [theirs]
    assert set(Passage.objects.restrict(commander, perm=PERM)) == {mine, theirs}
    # The write re-check and the object check read the same path.
    assert covers(grid_worker, PERM, mine) and not covers(grid_worker, PERM, theirs)
    assert scope_area_id_of(mine) == world.grid.pk
    # Masking: unmasking follows the parent's area too.
    assert can_view_sensitive(commander, theirs)
    assert not can_view_sensitive(grid_worker, mine)


def test_user_can_follows_the_scope_path(tables, world, grid_worker):
    Post, Passage = tables
    # user_can checks core.view_passage, which no role holds: refused even in the user's grid.
    mine = Passage.objects.create(post=Post.objects.create(name="卡口", area=world.grid))
    assert not user_can(grid_worker, "view", mine)


def test_scope_q_keeps_the_index_friendly_form_for_area_path(pair, world):
    Post, Passage = pair
    # area__path: "area_id IN (SELECT ...)" with no join onto the area table.
    sql = str(Post.objects.filter(scope_q(Post, [world.grid.path])).query)
    assert '"test_scope_post"."area_id" IN (SELECT' in sql
    assert "JOIN" not in sql
    # Through a parent: a join onto the post only, then the same IN.
    sql = str(Passage.objects.filter(scope_q(Passage, [world.grid.path])).query)
    assert '"test_scope_post"."area_id" IN (SELECT' in sql
    # The area tree itself: a prefix match on its own path.
    assert "LIKE" in str(Area.objects.filter(scope_q(Area, [world.grid.path])).query)


def test_whole_tree_grants_skip_the_filter_for_scope_paths_too(pair, world, commander):
    Post, Passage = pair
    assert "test_scope_post" not in str(Passage.objects.restrict(commander, perm=PERM).query)
