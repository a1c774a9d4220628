"""The security commands: key rotation, retention purge of soft-deleted records, log pruning."""

import json
import stat
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from fangkong.core import crypto
from fangkong.core.management.commands.rotate_keys import encrypted_fields, key_ids_in_use
from fangkong.core.models import AccessLog, SecurityEvent
from fangkong.core.testing import make_id_number, make_phone
from fangkong.people.models import Person
from fangkong.people.selectors import person_search
from fangkong.people.services import person_create, person_delete, person_update
from fangkong.places.models import Area, Household


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def raw_key_ids() -> set[str]:
    return set(key_ids_in_use())


@pytest.fixture
def people(tmp_keyring, world, commander):
    """Three persons (one soft-deleted, one edited twice) so history tables hold ciphertext."""
    made = []
    for i in range(3):
        made.append(
            person_create(
                actor=commander,
                data={
                    "name": f"轮换{i}",
                    "id_number": make_id_number(birth="19700101"),
                    "phone": make_phone(),
                    "area": world.grid,
                },
            )
        )
    person_update(actor=commander, person=made[1], expected_version=1, data={"phone": make_phone()})
    person_delete(actor=commander, person=made[2], reason="重复登记")
    return [Person.all_objects.get(pk=p.pk) for p in made]


# ---------------------------------------------------------------- rotate_keys


def test_encrypted_columns_are_found_in_live_and_history_tables():
    found = {m._meta.label: set(names) for m, names in encrypted_fields()}
    assert found["people.Person"] == {"id_number", "phone"}
    assert found["people.HistoricalPerson"] == {"id_number", "phone"}


def test_init_creates_the_key_file_owner_only_once(tmp_keyring):
    assert "Created" in run("rotate_keys", "--init")
    assert stat.S_IMODE(tmp_keyring.stat().st_mode) == 0o600
    before = tmp_keyring.read_text()
    assert "already exists" in run("rotate_keys", "--init")
    assert tmp_keyring.read_text() == before


def test_rotation_reencrypts_every_row_and_keeps_search_working(people, grid_worker):
    old = crypto.load_keyring()
    assert raw_key_ids() == {old.current}
    plain = {p.pk: (p.id_number, p.phone) for p in people}

    out = run("rotate_keys")

    ring = json.loads(tmp_keyring_text(people))
    assert ring["current"] == "k2" and set(ring["keys"]) == {"k1", "k2"}  # old kept for now
    assert "re-encrypted" in out
    # Every stored ciphertext, live rows, soft-deleted rows and history rows, is under k2.
    assert raw_key_ids() == {"k2"}
    crypto.reset_keyring_cache()
    for p in Person.all_objects.all():
        assert (p.id_number, p.phone) == plain[p.pk]
    for h in Person.history.all():
        assert h.id_number and h.phone  # history rows decrypt too
    # Rotation is not an edit: no version bump, no new history row.
    assert [p.version for p in Person.all_objects.order_by("pk")] == [1, 2, 2]
    # Exact search by blind index is untouched by a data-key rotation.
    target = people[0]
    found = person_search(actor=grid_worker, query=target.id_number)
    assert list(found) == [target]


def tmp_keyring_text(people) -> str:
    from django.conf import settings

    return settings.FANGKONG_KEY_FILE.read_text()


def test_retire_old_drops_only_unused_keys(people):
    run("rotate_keys")
    # Simulate a process that still wrote one value with the old key before it reloaded.
    ring = crypto.load_keyring()
    stale = crypto.Keyring("k1", ring.keys, ring.index_key)
    Person.all_objects.filter(pk=people[0].pk).update(phone=crypto.encrypt("13900001111", stale))
    out = run("rotate_keys", "--retire-old")
    assert "Still in use" in out and "k1 (1 values)" in out
    assert set(json.loads(tmp_keyring_text(people))["keys"]) == {"k1", "k2"}
    # Rotating again re-encrypts the straggler; then both old keys can go.
    run("rotate_keys")
    assert raw_key_ids() == {"k3"}
    out = run("rotate_keys", "--retire-old")
    assert "Removed unused keys: k1, k2" in out
    ring = json.loads(tmp_keyring_text(people))
    assert set(ring["keys"]) == {"k3"} and ring["current"] == "k3"
    crypto.reset_keyring_cache()
    assert Person.all_objects.get(pk=people[0].pk).phone == "13900001111"


def test_index_rotation_recomputes_indexes_and_search_still_works(people, grid_worker):
    before = crypto.load_keyring().index_key
    old_bidx = dict(Person.all_objects.values_list("pk", "id_number_bidx"))
    run("rotate_keys", "--index")
    crypto.reset_keyring_cache()
    assert crypto.load_keyring().index_key != before
    new_bidx = dict(Person.all_objects.values_list("pk", "id_number_bidx"))
    assert all(new_bidx[pk] != old_bidx[pk] for pk in old_bidx)
    for p in Person.all_objects.all():
        assert p.id_number_bidx == crypto.blind_index(p.id_number, "resident_id")
        assert p.phone_bidx == crypto.blind_index(p.phone, "mobile")
        # The last-four search keys are keyed too, so they follow the new key.
        assert p.id_last4_bidx == crypto.last4_index(p.id_number, "resident_id")
        assert p.phone_last4_bidx == crypto.last4_index(p.phone, "mobile")
    for h in Person.history.all():
        assert h.id_number_bidx == crypto.blind_index(h.id_number, "resident_id")
        assert h.id_last4_bidx == crypto.last4_index(h.id_number, "resident_id")
        assert h.phone_last4_bidx == crypto.last4_index(h.phone, "mobile")
    target = people[1]
    assert list(person_search(actor=grid_worker, query=target.phone)) == [target]
    assert target in person_search(actor=grid_worker, query=target.id_number[-4:])
    # Duplicate detection uses the same index.
    with translation.override("en"), pytest.raises(Exception, match="already registered"):
        person_create(
            actor=grid_worker,
            data={"name": "重复", "id_number": target.id_number, "area": target.area},
        )


def test_refuses_a_keyring_from_the_environment(settings, tmp_keyring):
    settings.FANGKONG_KEYS = crypto.Keyring.generate().to_json()
    with pytest.raises(CommandError, match="redeploy|deploy the new keyring"):
        run("rotate_keys")
    assert not tmp_keyring.exists()


def test_refuses_without_a_key_file(tmp_keyring):
    with pytest.raises(CommandError, match="--init"):
        run("rotate_keys")


# ---------------------------------------------------------------- purge_deleted


def _age_deletion(model, pk, days):
    model.all_objects.filter(pk=pk).update(deleted_at=timezone.now() - timedelta(days=days))


def test_purge_respects_retention_and_keeps_history(world, commander, settings):
    settings.FANGKONG_SOFT_DELETE_RETENTION_DAYS = 180
    old, recent, alive = (
        person_create(actor=commander, data={"name": n, "area": world.grid})
        for n in ("旧删", "新删", "在册")
    )
    person_delete(actor=commander, person=old, reason="迁出")
    person_delete(actor=commander, person=recent, reason="迁出")
    _age_deletion(Person, old.pk, 181)
    _age_deletion(Person, recent.pk, 179)
    hh = Household.objects.create(area=world.grid, number="099", address="东湖村一组99号")
    Household.all_objects.filter(pk=hh.pk).update(deleted_at=timezone.now() - timedelta(days=400))

    out = run("purge_deleted")

    assert "people.Person: 1 purged" in out and "places.Household: 1 purged" in out
    assert set(Person.all_objects.values_list("name", flat=True)) >= {"新删", "在册"}
    assert not Person.all_objects.filter(pk=old.pk).exists()
    # The change history (the audit trail) is kept, with the purge itself as its last entry.
    kinds = list(
        Person.history.filter(id=old.pk)
        .order_by("history_id")
        .values_list("history_type", flat=True)
    )
    assert kinds[:2] == ["+", "~"] and kinds[-1] == "-"


def test_purge_days_option_and_dry_run(world, commander):
    p = person_create(actor=commander, data={"name": "旧删", "area": world.grid})
    person_delete(actor=commander, person=p, reason="迁出")
    _age_deletion(Person, p.pk, 45)
    assert "Would purge 1" in run("purge_deleted", "--days", "40", "--dry-run")
    assert Person.all_objects.filter(pk=p.pk).exists()
    assert "Purged 0" in run("purge_deleted", "--days", "60")
    assert "Purged 1" in run("purge_deleted", "--days", "40")


def test_purge_keeps_areas_still_referenced(world):
    Area.all_objects.filter(pk=world.village.pk).update(
        deleted_at=timezone.now() - timedelta(days=400)
    )
    out = run("purge_deleted")
    assert "still referenced" in out
    assert Area.all_objects.filter(pk=world.village.pk).exists()


@pytest.mark.parametrize("days", ["29", "0", "-5"])
def test_purge_refuses_too_short_a_period(db, days):
    with pytest.raises(CommandError, match="at least 30 days"):
        run("purge_deleted", "--days", days)


# ---------------------------------------------------------------- prune_logs


def test_prune_respects_retention(world, commander, person_in, settings):
    settings.FANGKONG_LOG_RETENTION_DAYS = 365
    now = timezone.now()
    for days in (10, 364, 366, 800):
        AccessLog.objects.create(
            actor=commander,
            action="view",
            subject_type_id=1,
            subject_id=person_in.pk,
            subject_label="x",
            fields="phone",
            reason="核查",
            at=now - timedelta(days=days),
        )
        SecurityEvent.objects.create(
            kind="login_failed", username=f"u{days}", at=now - timedelta(days=days)
        )
    # person_in: created long ago and edited since; another record's only history is old.
    Person.history.filter(id=person_in.pk).update(history_date=now - timedelta(days=500))
    person_update(actor=commander, person=person_in, expected_version=1, data={"relation": "本人"})
    old_only = Household.objects.create(area=world.grid, number="077", address="东湖村一组77号")
    Household.history.filter(id=old_only.pk).update(history_date=now - timedelta(days=500))

    out = run("prune_logs")

    assert "core.AccessLog: 2 rows" in out and "core.SecurityEvent: 2 rows" in out
    assert AccessLog.objects.count() == 2 and SecurityEvent.objects.count() == 2
    assert Person.history.filter(id=person_in.pk).count() == 1  # old creation row pruned
    # A record whose every history row is old keeps its latest one ("who last changed it").
    assert Household.history.filter(id=old_only.pk).count() == 1


@pytest.mark.parametrize("days", ["179", "30", "0"])
def test_prune_refuses_less_than_180_days(db, days):
    with pytest.raises(CommandError, match="at least 180 days"):
        run("prune_logs", "--days", days)


def test_prune_with_longer_retention_keeps_more(commander):
    AccessLog.objects.create(
        actor=commander,
        action="view",
        subject_type_id=1,
        subject_id=1,
        subject_label="x",
        fields="phone",
        reason="核查",
        at=timezone.now() - timedelta(days=400),
    )
    run("prune_logs", "--days", "500")
    assert AccessLog.objects.count() == 1
    run("prune_logs", "--days", "200")
    assert AccessLog.objects.count() == 0


def test_prune_forgets_week_old_idempotency_answers(commander):
    from fangkong.core.models import IdempotencyRecord

    old = IdempotencyRecord.objects.create(
        user=commander, key="old", route="POST /x", request_digest="a", status_code=201, body={}
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )
    IdempotencyRecord.objects.create(
        user=commander, key="new", route="POST /x", request_digest="b", status_code=201, body={}
    )
    call_command("prune_logs", stdout=StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
