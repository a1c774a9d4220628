"""The Datonghu demo: a small district (3,000 persons) built by the same command as the real one."""

from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.db import connection, models

from fangkong.core.demo import DEMO_PASSWORD
from fangkong.core.models import RoleGrant, User
from fangkong.core.roles import DEFAULT_ROLES
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once
from fangkong.core.validators import validate_resident_id
from fangkong.people.models import Person
from fangkong.people.selectors import person_search
from fangkong.places.models import Area, Household


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """One demo for the whole module (committed — the one the browser tests read, restored if
    this test process loaded it already — and flushed after the module's last test): every test
    below only reads it, inside its own rolled-back transaction."""
    with django_db_blocker.unblock():
        yield load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo(_loaded, db):
    return _loaded


def test_four_towns_with_names_and_codes(demo):
    district = Area.objects.get(level=Area.Level.DISTRICT)
    assert (district.code, district.name) == ("430971", "大通湖区")
    towns = Area.objects.filter(level=Area.Level.TOWN).order_by("code")
    assert [(t.code, t.name) for t in towns] == [
        ("430971100", "河坝镇"),
        ("430971101", "金盆镇"),
        ("430971102", "北洲子镇"),
        ("430971103", "千山红镇"),
    ]
    for area in Area.objects.filter(level__in=[Area.Level.VILLAGE, Area.Level.COMMUNITY]):
        assert len(area.code) == 12 and area.path == area.parent.path + area.code + "/"
    grids = Area.objects.filter(level=Area.Level.GRID)
    assert grids.exists() and all(len(g.code) == 15 for g in grids)
    assert all("网格" in g.name for g in grids)
    assert "Datonghu demo loaded" in demo


def test_persons_have_valid_ids_households_and_story_tags(demo):
    persons = list(Person.objects.select_related("household")[:60])
    assert 2900 <= Person.objects.count() <= 3100
    for person in persons:
        rid = validate_resident_id(person.id_number)
        assert (rid.birth_date, rid.sex) == (person.birth_date, person.sex)
        assert person.household.area_id == person.area_id
        assert person.name_initials and person.name_pinyin
    assert Household.objects.filter(members__relation="户主").count() == Household.objects.count()
    assert Person.objects.exclude(phone="").exists() and Person.objects.filter(phone="").exists()
    # The whole district stays inside the story: registered between 2020-01-20 and 2020-02-24.
    first, last = (
        Person.objects.order_by(f).values_list("created_at", flat=True)[0]
        for f in ("created_at", "-created_at")
    )
    assert first.date().isoformat() >= "2020-01-20" and last.date().isoformat() <= "2020-02-24"


def test_id_and_phone_numbers_are_encrypted_at_rest(demo):
    person = Person.objects.exclude(phone="").first()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number, phone, id_number_bidx FROM people_person WHERE id = %s", [person.pk]
        )
        raw_id, raw_phone, bidx = cur.fetchone()
    assert person.id_number.encode() not in bytes(raw_id)
    assert person.phone.encode() not in bytes(raw_phone)
    assert person.id_number not in bidx
    # The blind index finds the person by full number, as the search box does.
    commander = User.objects.get(username="commander")
    assert list(person_search(actor=commander, query=person.id_number)) == [person]


def test_one_demo_user_per_role_with_grants(demo):
    for spec in DEFAULT_ROLES:
        holders = {
            g.user
            for g in RoleGrant.objects.active()
            .select_related("user")
            .filter(role__code=spec["code"])
        }
        assert len(holders) == 1
        (user,) = holders
        assert user.demo and user.full_name
    town_officer = RoleGrant.objects.get(user__username="town_heba")
    assert town_officer.area.name == "河坝镇"
    validate_password(DEMO_PASSWORD, User.objects.get(username="grid_worker"))
    assert User.objects.get(username="commander").check_password(DEMO_PASSWORD)


def test_grid_worker_sees_only_two_grids_of_one_village(demo):
    worker = User.objects.get(username="grid_worker")
    grids = [g.area for g in RoleGrant.objects.filter(user=worker).select_related("area")]
    assert len(grids) == 2 and grids[0].parent_id == grids[1].parent_id
    assert all(g.level == Area.Level.GRID for g in grids)
    visible = set(Person.objects.restrict(worker).values_list("pk", flat=True))
    expected = set(Person.objects.filter(area__in=grids).values_list("pk", flat=True))
    assert visible == expected and 0 < len(visible) < Person.objects.count()
    someone = Person.objects.filter(area__in=grids).first()
    assert someone in person_search(actor=worker, query=someone.name_initials)
    outside = Person.objects.exclude(area__in=grids).first()
    assert outside not in person_search(actor=worker, query=outside.name_initials)


def test_if_empty_leaves_a_loaded_database_alone(demo):
    counts = (Area.objects.count(), Person.objects.count(), User.objects.count())
    out = StringIO()
    call_command("load_demo", if_empty=True, scale=300, stdout=out)
    assert "already" in out.getvalue()
    assert (Area.objects.count(), Person.objects.count(), User.objects.count()) == counts


def test_demo_logins_lists_demo_users_only(demo):
    User.objects.create_user(username="real_official", password="Xq7-real-secret-pw")
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "grid_worker" in text and DEMO_PASSWORD in text and "河坝镇" in text
    assert "real_official" not in text
    assert "FANGKONG_DEMO_WAIVE_2FA" in text
    # Roster names without a role are counted, not offered as logins that show nothing.
    assert "checkpoint_1_1 " not in text and "more demo accounts hold no role" in text


# --------------------------------------------------------------------------- the demo hook


def _fake_steps(ran: list[str], edges: dict[str, tuple[str, ...]]):
    from fangkong.core.kit.demo import DemoStep

    return {
        name: DemoStep(name, lambda ctx, name=name: ran.append(name), after)
        for name, after in edges.items()
    }


def test_steps_run_after_the_steps_they_name():
    from fangkong.core.kit.demo import ordered_steps

    steps = _fake_steps(
        [],
        {
            "reports": ("observation", "people"),
            "people": ("places",),
            "observation": ("people",),
            "places": (),
            "users": ("places",),
        },
    )
    order = [s.name for s in ordered_steps(steps)]
    assert order == ["places", "people", "users", "observation", "reports"]


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ({"a": ("b",), "b": ("c",), "c": ("a",), "d": ()}, "cycle: a, b, c"),
        ({"a": ("nowhere",)}, r"unknown step\(s\): nowhere"),
    ],
)
def test_a_cycle_or_an_unknown_step_is_an_error_before_anything_runs(db, edges, message):
    from fangkong.core.kit.demo import DemoError, load_demo

    ran: list[str] = []
    with pytest.raises(DemoError, match=message):
        load_demo(persons=10, steps=_fake_steps(ran, edges))
    assert ran == []


def test_every_module_registers_its_step():
    from fangkong.core.kit.demo import discover, ordered_steps

    order = [s.name for s in ordered_steps(discover())]
    assert order.index("places") < order.index("people")
    assert order.index("places") < order.index("users")


def test_small_district_is_consistent(demo):
    """Every household has members and its head named; every person lives in a grid of the
    tree; each demo count in the summary matches the database."""
    assert not Household.objects.filter(members__isnull=True).exists()
    assert not Household.objects.filter(head_name="").exists()
    heads = Person.objects.filter(relation="户主").values_list("household_id", "name")
    assert dict(heads) == dict(Household.objects.values_list("pk", "head_name"))
    assert not Person.objects.exclude(area__level=Area.Level.GRID).exists()
    assert not Person.objects.exclude(household__area_id=models.F("area_id")).exists()
    assert f"{Area.objects.count():,} areas" in demo
    assert f"{Household.objects.count():,} households" in demo
    assert f"{Person.objects.count():,} persons" in demo
    assert f"{len(DEFAULT_ROLES)} demo users" in demo
