"""The one validator per input kind: resident ID (GB 11643), mobile, temperature, masking."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fangkong.core.validators import (
    gb11643_check_digit,
    mask_mobile,
    mask_resident_id,
    validate_mobile,
    validate_resident_id,
    validate_temperature,
)

TODAY = dt.date(2020, 2, 15)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def with_check(body: str) -> str:
    return body + gb11643_check_digit(body)


def code_of(exc: pytest.ExceptionInfo) -> str:
    return exc.value.error_list[0].code


# ---------------------------------------------------------------- resident ID number


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        (with_check("11010119900307802"), dt.date(1990, 3, 7), "F"),
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),  # the standard's sample, X
        (with_check("11010119800101001"), dt.date(1980, 1, 1), "M"),
        (with_check("11010120000229002"), dt.date(2000, 2, 29), "F"),  # leap day
    ],
)
def test_valid_number_gives_birth_date_and_sex(number, birth, sex):
    rid = validate_resident_id(number, today=TODAY)
    assert (rid.number, rid.birth_date, rid.sex, rid.region_known) == (number, birth, sex, True)
    assert rid.warnings == []


def test_the_standard_sample_number_is_valid():
    # GB 11643-1999's own example; python-stdnum's calc_check_digit(body) would answer "2"
    # because it expects the full number and drops the last character it is given.
    assert gb11643_check_digit("11010519491231002") == "X"
    assert validate_resident_id("11010519491231002X", today=TODAY).sex == "F"
    assert ric.calc_check_digit("11010519491231002X") == "X"


@FAST
@given(st.integers(0, 10**17 - 1).map("{:017d}".format))
def test_check_digit_agrees_with_stdnum_given_the_full_number(body):
    digit = gb11643_check_digit(body)
    assert ric.calc_check_digit(body + digit) == digit


def test_lowercase_x_and_spaces_are_normalised():
    rid = validate_resident_id(" 110105 19491231 002x ", today=TODAY)
    assert rid.number == "11010519491231002X"


def test_full_width_digits_become_the_same_ascii_number():
    # A Chinese IME types full-width characters; the stored number (and so its blind index,
    # which duplicate detection relies on) must be the ASCII one.
    rid = validate_resident_id("１１０１０５１９４９１２３１００２ｘ", today=TODAY)
    assert rid.number == "11010519491231002X"
    assert validate_mobile("１３８ ００１３ ８０００") == "13800138000"


def test_digits_of_other_scripts_are_refused():
    arabic_indic = "".join(chr(0x0660 + int(c)) for c in "11010519491231002") + "X"
    with pytest.raises(ValidationError):
        validate_resident_id(arabic_indic, today=TODAY)
    with pytest.raises(ValidationError):
        validate_mobile("".join(chr(0x0660 + int(c)) for c in "13800138000"))


@pytest.mark.parametrize(
    ("number", "code", "says"),
    [
        ("110105194912310021", "checksum", "check digit"),
        ("110105194912310022", "checksum", "check digit"),  # what stdnum's misuse would give
        (with_check("11010119900230001"), "birth_date", "19900230"),  # 30 February
        (with_check("11010119901301001"), "birth_date", "not a real date"),  # month 13
        (with_check("11010120250101001"), "birth_date", "2025-01-01"),  # after TODAY
        (with_check("11010118800101001"), "birth_date", "impossible"),  # before 1890
        ("11010119900307803", "length", "17"),
        ("1101011990030780311", "length", "19"),
        ("11010119900307803Y", "format", "X"),
        ("1101011990O307803X", "format", "17 digits"),  # letter O for zero
        ("", "required", "Enter"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(number, code, says):
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(number, today=TODAY)
    assert code_of(exc) == code
    assert says in exc.value.messages[0]


def test_unknown_or_retired_region_code_is_only_a_warning():
    # 430999 was never a division code: python-stdnum's own ric.validate() would reject the
    # number. We accept it with a warning.
    number = with_check("43099919800101001")
    with pytest.raises(Exception):  # noqa: B017 - whatever stdnum raises, it does not know it
        ric.get_birth_place(number)
    rid = validate_resident_id(number, today=TODAY)
    assert not rid.region_known
    assert rid.warnings and "430999" in rid.warnings[0]


def test_code_issued_after_birth_is_not_flagged():
    # 430902 (资阳区) dates from 1994; a person born in 1980 got their number there later.
    rid = validate_resident_id(with_check("43090219800101001"), today=TODAY)
    assert rid.region_known and not rid.warnings


def test_codes_missing_from_stdnum_can_be_listed_by_the_district(settings):
    number = with_check("43097119800101001")  # 大通湖区: in use, but not in stdnum's table
    assert validate_resident_id(number, today=TODAY).region_known
    settings.FANGKONG_EXTRA_REGION_CODES = frozenset()
    assert not validate_resident_id(number, today=TODAY).region_known


@pytest.fixture(autouse=True)
def _english_messages():
    # The assertions read the English source messages; test_i18n checks the Chinese ones.
    with translation.override("en"):
        yield


valid_dates = st.dates(min_value=dt.date(1890, 1, 1), max_value=TODAY)
region = st.integers(100000, 999999).map(str)
sequence = st.integers(0, 999).map("{:03d}".format)


@FAST
@given(region, valid_dates, sequence)
def test_any_body_with_a_real_date_and_its_check_digit_validates(area, birth, seq):
    number = with_check(f"{area}{birth:%Y%m%d}{seq}")
    rid = validate_resident_id(number, today=TODAY)
    assert rid.birth_date == birth
    assert rid.sex == ("M" if int(seq[-1]) % 2 else "F")


@FAST
@given(region, valid_dates, sequence, st.integers(0, 17), st.integers(1, 10))
@example("110101", dt.date(1990, 3, 7), "803", 13, 1)  # 19900307 -> 19900308: still a date
def test_changing_any_single_character_makes_it_invalid(area, birth, seq, pos, delta):
    """GB 11643's weights 2^(17-i) mod 11 are all non-zero mod 11 and 11 is prime, so changing
    one digit always changes the weighted sum mod 11, hence the expected check digit: even when
    the change produces another real birth date, the checksum catches it."""
    number = with_check(f"{area}{birth:%Y%m%d}{seq}")
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    old = alphabet.index(number[pos])
    new = alphabet[(old + delta) % len(alphabet)]
    assume(new != number[pos])
    changed = number[:pos] + new + number[pos + 1 :]
    with pytest.raises(ValidationError):
        validate_resident_id(changed, today=TODAY)


def test_the_weights_argument_behind_the_property():
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    assert all(w % 11 for w in weights)
    # So w * d ≡ 0 (mod 11) only when d ≡ 0: a one-digit change of size 1..9 always shows.
    assert all((w * d) % 11 for w in weights for d in range(1, 10))


# ---------------------------------------------------------------- mobile numbers


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138 0013 8000",
        "138-0013-8000",
        "0086 13800138000",
        "+8613800138000",
        " 13800138000 ",
    ],
)
def test_mobile_numbers_are_normalised(raw):
    assert validate_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    ("raw", "code", "says"),
    [
        ("138001380001", "length", "12"),  # 12 digits
        ("1380013800", "length", "10"),
        ("0737-1234567", "prefix", "13 to 19"),  # a landline with its area code
        ("0737-123456", "length", "10"),
        ("12800138000", "prefix", "13 to 19"),
        ("1380013800a", "format", "digits only"),
        ("phone", "format", "digits only"),
        ("", "required", "Enter"),
    ],
)
def test_bad_mobile_numbers_are_refused_with_a_reason(raw, code, says):
    with pytest.raises(ValidationError) as exc:
        validate_mobile(raw)
    assert code_of(exc) == code
    assert says in exc.value.messages[0]


# ---------------------------------------------------------------- temperature


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("34.0", "34.0"),
        ("43.0", "43.0"),
        ("36.5", "36.5"),
        (37, "37.0"),
        ("37.25", "37.2"),
        (" 38.1 ", "38.1"),
        (Decimal("39.9"), "39.9"),
    ],
)
def test_possible_temperatures_are_accepted(raw, value):
    assert validate_temperature(raw) == Decimal(value)


@pytest.mark.parametrize(
    ("raw", "code", "says"),
    [
        ("33.9", "range", "33.9"),
        ("43.1", "range", "34.0–43.0"),
        ("-1", "range", "not a possible"),
        ("abc", "format", "as a number"),
        ("NaN", "format", "as a number"),
        ("inf", "format", "as a number"),
        ("-Infinity", "format", "as a number"),
        ("36,5", "format", "36.5"),  # comma decimal: say how to write it, do not guess
        ("", "format", "as a number"),
        (None, "format", "as a number"),
    ],
)
def test_impossible_temperatures_are_refused_with_a_reason(raw, code, says):
    with pytest.raises(ValidationError) as exc:
        validate_temperature(raw)
    assert code_of(exc) == code
    assert says in exc.value.messages[0]


# ---------------------------------------------------------------- masking


def test_masks_keep_only_what_a_clerk_needs_to_recognise():
    assert mask_resident_id("43090319800101123X") == "430903********123X"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_resident_id("") == mask_mobile("") == ""
    assert "1234567" not in mask_resident_id("1234567")
    assert "1234567" not in mask_mobile("1234567")


def test_fever_threshold_and_risk_origins_come_from_settings(settings):
    from fangkong.core.validators import is_fever, is_risk_origin

    assert is_fever("37.3") and not is_fever("37.2")
    settings.FANGKONG_FEVER_THRESHOLD = "38.0"
    assert not is_fever("37.9") and is_fever("38.0")
    assert is_risk_origin("湖北省孝感市") and is_risk_origin("武汉市")
    assert not is_risk_origin("长沙")
    assert not is_risk_origin("")
