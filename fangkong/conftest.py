"""Fixtures shared by every app's tests: the world (a small district), the personas, a logged-in
client and a way to run queued background jobs."""

import pytest

from fangkong.core.testing import build_world, make_id_number, make_phone, make_user


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def grid_worker(world):
    return make_user("gridworker", "grid_worker", world.grid, full_name="王网格")


@pytest.fixture
def readonly(world):
    return make_user("readonly", "auditor", world.district, full_name="审计员")


@pytest.fixture
def outsider(world):
    return make_user("outsider", "grid_worker", world.other_grid, full_name="外镇网格员")


@pytest.fixture
def commander(world):
    return make_user(
        "commander", "district_commander", world.district, full_name="指挥长", demo=True
    )


@pytest.fixture
def office(world):
    """The command office: keeps the area tree (system administrators see no places)."""
    return make_user("office", "command_office", world.district, full_name="指挥部办公室")


@pytest.fixture
def sysadmin(world):
    return make_user("sysadmin", "system_admin", world.district, full_name="管理员", demo=True)


@pytest.fixture
def person_in(world, commander):
    from fangkong.people.services import person_create

    return person_create(
        actor=commander,
        data={
            "name": "张三",
            "id_number": make_id_number(),
            "phone": make_phone(),
            "area": world.grid,
            "household": world.household,
            "relation": "户主",
        },
    )


@pytest.fixture
def person_out(world, commander):
    from fangkong.people.services import person_create

    return person_create(
        actor=commander,
        data={
            "name": "李四",
            "id_number": make_id_number(birth="19751231"),
            "phone": make_phone(),
            "area": world.other_grid,
            "household": world.other_household,
        },
    )


@pytest.fixture
def venue_in(world, commander):
    """A venue with an operator's mobile number (patrols), for checks of every exporter."""
    import datetime as dt

    from fangkong.patrols.services import venue_create

    return venue_create(
        actor=commander,
        data={
            "area": world.grid,
            "name": "东湖网吧",
            "kind": "netbar",
            "address": "东湖村一组8号",
            "operating_since": dt.date(2015, 5, 1),
            "operator_phone": make_phone(),
        },
    )


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    # Tests create many users; the production hasher's deliberate slowness only costs time here.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the local-memory cache lives as long as the test
    process, and a value kept by one test (the header's response level, a rate-limit count)
    must not answer for the next one's database."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def run_jobs():
    """Run the queued jobs as the worker would. Test transactions never commit, so the
    on-commit enqueue does not happen: the jobs are run directly, in order."""
    from fangkong.core.jobs import run_job
    from fangkong.core.models import Job

    def run():
        jobs = list(Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at"))
        for job in jobs:
            run_job.call(str(job.pk))
            job.refresh_from_db()
        return jobs

    return run


# The modules' tests assert the English source messages (core's test_i18n checks the Chinese
# catalogue is complete); their browser tests keep the Chinese interface the screenshots show.
ENGLISH_MESSAGE_APPS = (
    "alerts",
    "checkpoints",
    "observation",
    "medical",
    "surveys",
    "bigdata",
    "patrols",
    "command",
    "reports",
)


@pytest.fixture(autouse=True)
def _module_tests_in_english(request):
    from pathlib import Path

    parts = Path(str(request.node.path)).parts
    in_module = any(f"{app}" in parts and "tests" in parts for app in ENGLISH_MESSAGE_APPS)
    if not in_module or request.node.get_closest_marker("browser"):
        yield
        return
    from django.test import override_settings
    from django.utils import translation

    with override_settings(LANGUAGE_CODE="en"), translation.override("en"):
        yield
