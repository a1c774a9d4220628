"""No log line carries a resident ID number or a mobile number (DESIGN.md)."""

import logging

import pytest

from fangkong.core.logging import RedactSensitiveFilter, redact
from fangkong.core.testing import make_id_number
from fangkong.people.selectors import person_search
from fangkong.people.services import person_create, person_update

ID, PHONE = "43097119800101012X", "13812345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"id={ID}", "id=430971********012X"),
        (f"id={ID.lower()}", "id=430971********012x"),
        (f"phone {PHONE}.", "phone 138****5678."),
        (f"{PHONE},{ID}", "138****5678,430971********012X"),
        ("order 2020012312345678901 total", "order 2020012312345678901 total"),  # 19 digits
        ("count=12345678901", "count=12345678901"),  # not a mobile prefix
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def _record(msg, args):
    return logging.LogRecord("t", logging.INFO, __file__, 1, msg, args, None)


def test_filter_masks_message_and_arguments():
    record = _record("person %s phone %s", (ID, PHONE))
    assert RedactSensitiveFilter().filter(record) is True  # never drops a line
    assert record.getMessage() == "person 430971********012X phone 138****5678"
    record = _record({"id": ID}, None)
    RedactSensitiveFilter().filter(record)
    assert ID not in record.getMessage()


def test_filter_leaves_other_lines_alone():
    record = _record("saved %d rows", (3,))
    RedactSensitiveFilter().filter(record)
    assert (record.msg, record.args) == ("saved %d rows", (3,))


def test_configured_handlers_carry_the_filter():
    from django.conf import settings

    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact" in handler.get("filters", []), name


def test_no_number_reaches_any_log_record(world, commander, grid_worker, caplog):
    """End to end: every record any logger emits (SQL with its parameters included) while
    persons are created, updated and searched through the services. Checked BEFORE the
    redaction filter: the numbers never reach a logger at all (SQL sees ciphertext and blind
    indexes); the filter is only the second line of defence."""
    id_number, phone = make_id_number(birth="19881111"), "13698765432"
    new_id, new_phone = make_id_number(birth="19900202"), "15011112222"
    sql_logger = logging.getLogger("django.db.backends")
    old_level = sql_logger.level
    try:
        with caplog.at_level(logging.DEBUG):
            sql_logger.setLevel(logging.DEBUG)
            from django.db import connection

            connection.force_debug_cursor = True  # log SQL with parameters
            try:
                p = person_create(
                    actor=commander,
                    data={
                        "name": "日志甲",
                        "id_number": id_number,
                        "phone": phone,
                        "area": world.grid,
                    },
                )
                person_update(
                    actor=commander,
                    person=p,
                    expected_version=1,
                    data={"id_number": new_id, "phone": new_phone},
                )
                for query in (new_id, new_phone, new_id[-4:], "rzj"):
                    list(person_search(actor=grid_worker, query=query))
                logging.getLogger("fangkong.test").info("looked up %s / %s", new_id, new_phone)
            finally:
                connection.force_debug_cursor = False
    finally:
        sql_logger.setLevel(old_level)
    messages = [r.getMessage() for r in caplog.records]
    assert any("people_person" in m for m in messages), "SQL was not captured"
    for secret in (id_number, phone, new_id, new_phone):
        assert not [m for m in messages if secret in m], secret
