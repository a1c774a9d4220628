"""The jurisdiction walk over part 2 of the routes (see ``test_jurisdiction_walk.py``)."""

from fangkong.core.tests.test_jurisdiction_walk import (  # noqa: F401 - the walk's fixtures
    harvester,
    reader,
    secrets,
    walk_part,
    walker,
)

test_route_shows_nothing_out_of_scope = walk_part(2)
