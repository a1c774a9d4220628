"""Encryption at rest: AES-GCM round trip, tamper detection, blind index, key file handling,
and proof that the database row itself holds no plaintext ID or phone number."""

import json
import stat

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from fangkong.core import crypto
from fangkong.core.testing import make_id_number
from fangkong.core.validators import mask_mobile, mask_resident_id
from fangkong.people.services import person_create


def test_round_trip_and_fresh_nonce_each_time(tmp_keyring):
    a = crypto.encrypt("430971198001010012")
    b = crypto.encrypt("430971198001010012")
    assert a != b  # a new nonce per encryption: equal numbers do not look equal at rest
    assert crypto.decrypt(a) == crypto.decrypt(b) == "430971198001010012"
    assert b"430971198001010012" not in a
    assert crypto.key_id_of(a) == crypto.load_keyring().current


@pytest.mark.parametrize("position", [-1, 5, 20])
def test_tampered_ciphertext_is_refused(tmp_keyring, position):
    blob = bytearray(crypto.encrypt("13800138000"))
    blob[position] ^= 0x01
    with pytest.raises(InvalidTag):
        crypto.decrypt(bytes(blob))


def test_key_id_is_authenticated(tmp_keyring):
    # Relabelling a ciphertext with another key id of the ring must not decrypt either.
    ring = crypto.load_keyring()
    other = crypto.Keyring("k2", {**ring.keys, "k2": ring.keys["k1"]}, ring.index_key)
    blob = crypto.encrypt("13800138000", other)
    relabelled = b"k1" + blob[2:]
    with pytest.raises(InvalidTag):
        crypto.decrypt(relabelled, other)


def test_blind_index_is_stable_and_separated_by_purpose(tmp_keyring):
    one = crypto.blind_index("13800138000", "mobile")
    assert one == crypto.blind_index("13800138000", "mobile")
    assert one != crypto.blind_index("13800138001", "mobile")
    assert one != crypto.blind_index("13800138000", "resident_id")
    assert "13800138000" not in one and len(one) == 64


def test_blind_index_depends_on_the_index_key(tmp_keyring):
    ring = crypto.load_keyring()
    other = crypto.Keyring(ring.current, ring.keys, b"\x01" * 32)
    assert crypto.blind_index("x", "mobile", ring) != crypto.blind_index("x", "mobile", other)


def test_key_file_created_owner_only_on_first_use(tmp_keyring):
    assert not tmp_keyring.exists()
    crypto.encrypt("x")
    assert tmp_keyring.exists()
    assert stat.S_IMODE(tmp_keyring.stat().st_mode) == 0o600
    data = json.loads(tmp_keyring.read_text())
    assert data["current"] in data["keys"]
    # The same file is used again (cache reset): earlier ciphertext still decrypts.
    blob = crypto.encrypt("y")
    crypto.reset_keyring_cache()
    assert crypto.decrypt(blob) == "y"


def test_production_never_creates_a_key_file_silently(tmp_keyring, settings):
    settings.PRODUCTION = True
    with pytest.raises(ImproperlyConfigured, match="rotate_keys --init"):
        crypto.load_keyring()
    assert not tmp_keyring.exists()


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{}",
        '{"current": "k1", "keys": {"k1": "!!"}, "index_key": "AAAA"}',
        json.dumps({"current": "k9", "keys": {"k1": "A" * 44}, "index_key": "A" * 44}),
        json.dumps({"current": "k1", "keys": {"k1": "AAAA"}, "index_key": "A" * 44}),
        json.dumps({"current": "k:1", "keys": {"k:1": "A" * 44}, "index_key": "A" * 44}),
    ],
    ids=["not-json", "empty", "bad-base64", "current-missing", "short-key", "colon-in-id"],
)
def test_malformed_keyring_fails_loudly(tmp_keyring, settings, text):
    settings.FANGKONG_KEYS = text
    crypto.reset_keyring_cache()
    with pytest.raises(ImproperlyConfigured):
        crypto.load_keyring()


def test_keyring_from_environment_wins_over_file(tmp_keyring, settings):
    ring = crypto.Keyring.generate()
    settings.FANGKONG_KEYS = ring.to_json()
    crypto.reset_keyring_cache()
    assert crypto.load_keyring() == ring
    assert not tmp_keyring.exists()


def test_decrypt_reloads_a_key_file_rotated_by_another_process(tmp_keyring):
    old = crypto.load_keyring()
    newer = crypto.Keyring("k2", {**old.keys, "k2": b"\x02" * 32}, old.index_key)
    crypto.write_key_file(tmp_keyring, newer)  # as `rotate_keys` in another process would
    blob = crypto.encrypt("13800138000", newer)
    assert crypto.decrypt(blob) == "13800138000"


def test_unknown_key_id_is_a_clear_error(tmp_keyring):
    crypto.load_keyring()
    with pytest.raises(ImproperlyConfigured, match="unknown key 'k77'"):
        crypto.decrypt(b"k77:" + b"\x00" * 40)


def test_database_row_holds_no_plaintext(world, commander):
    """On SQLite and PostgreSQL alike: read the stored row with plain SQL."""
    id_number, phone = make_id_number(birth="19620714"), "13912345678"
    person = person_create(
        actor=commander,
        data={"name": "密文验证", "id_number": id_number, "phone": phone, "area": world.grid},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person WHERE id = %s", [person.pk])
        row = cursor.fetchone()
        cursor.execute("SELECT * FROM people_historicalperson WHERE id = %s", [person.pk])
        history = cursor.fetchall()
    assert row and history
    stored = b" ".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
        for r in [row, *history]
        for v in r
    )
    for secret in (id_number, phone, id_number[6:14] + id_number[14:], phone[3:]):
        assert secret.encode() not in stored
    # What is stored instead: ciphertext under a known key, and the masking still works.
    assert b"k1:" in stored or any(k.encode() + b":" in stored for k in crypto.load_keyring().keys)
    person.refresh_from_db()
    assert person.id_number == id_number and person.phone == phone
    assert person.masked("id_number") == mask_resident_id(id_number)
    assert person.masked("phone") == mask_mobile(phone) == "139****5678"
