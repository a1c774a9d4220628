"""The one validator for each kind of input (DESIGN.md): forms, API and imports all call these.

Messages are in the user's language and say what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

TEMPERATURE_MIN = Decimal("34.0")
TEMPERATURE_MAX = Decimal("43.0")
# ASCII digits only: ``\d`` would also match other scripts' digits, which int() accepts, so a
# number typed in e.g. Arabic-Indic digits would validate yet get a different blind index.
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
_MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str
    region_known: bool

    @property
    def warnings(self) -> list[str]:
        if self.region_known:
            return []
        return [
            _(
                "Region code %(code)s is not in the current list of divisions; it may be a "
                "retired code. The number was accepted."
            )
            % {"code": self.region_code}
        ]


def gb11643_check_digit(body: str) -> str:
    """The 18th character for the first 17 digits: weights 2^(17-i) mod 11, ISO 7064 MOD 11-2.

    Not ``stdnum.cn.ric.calc_check_digit``: that one expects the full 18-character number and
    ignores its last character, so given the 17-digit body it silently drops the 17th digit.
    """
    if len(body) != 17 or not body.isascii() or not body.isdigit():
        raise ValueError("the body of a resident ID number is 17 ASCII digits")
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    check = (12 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _ascii_form(value) -> str:
    # NFKC turns full-width digits and letters (typed with a Chinese IME) into ASCII, so that
    # "１１０１…ｘ" and "1101…X" are the same number with the same blind index.
    return unicodedata.normalize("NFKC", str(value or ""))


def normalize_resident_id(value: str) -> str:
    return re.sub(r"\s+", "", _ascii_form(value)).upper()


def validate_resident_id(value: str, *, today: dt.date | None = None) -> ResidentId:
    """Check a resident ID number per GB 11643-1999 and return what it encodes.

    The checksum and the birth date are strict. An unknown region code is only a warning:
    numbers issued under codes that were later retired are still valid identities, which is
    why python-stdnum's own region check (``ric.validate``) is not used here.
    """
    number = normalize_resident_id(value)
    if not number:
        raise ValidationError(_("Enter the resident ID number."), code="required")
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(n)d.") % {"n": len(number)},
            code="length",
        )
    if not _ID_RE.match(number):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."), code="format"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(digits)s) is not a real date.")
            % {"digits": number[6:14]},
            code="birth_date",
        ) from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1890:
        raise ValidationError(
            _("The birth date in this ID number (%(date)s) is impossible.")
            % {"date": birth.isoformat()},
            code="birth_date",
        )
    if gb11643_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this ID number is wrong: please check each digit again."),
            code="checksum",
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number, birth, sex, number[:6], region_code_known(number[:6]))


def region_code_known(code: str) -> bool:
    """Whether the division code was ever in use.

    A number carries the code of the place where it was issued, often years after birth, so
    stdnum's "valid in the birth year" test (``ric.get_birth_place``) would flag numbers that
    are fine. stdnum's table also lacks some codes (Datonghu's own 430971): a district lists
    those in ``FANGKONG_EXTRA_REGION_CODES``.
    """
    return code in settings.FANGKONG_EXTRA_REGION_CODES or _listed_by_stdnum(code)


@lru_cache(maxsize=4096)
def _listed_by_stdnum(code: str) -> bool:
    from stdnum import numdb

    if not code.isdigit():
        return False
    parts = numdb.get("cn/loc").info(code)
    return bool(parts) and "county" in parts[-1][1]


def normalize_mobile(value: str) -> str:
    digits = re.sub(r"[\s\-]", "", _ascii_form(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_mobile(value: str) -> str:
    """Return the normalised 11-digit mainland mobile number or raise a specific error."""
    number = normalize_mobile(value)
    if not number:
        raise ValidationError(_("Enter the mobile number."), code="required")
    if not re.fullmatch(r"[0-9]+", number):
        raise ValidationError(_("A mobile number contains digits only."), code="format")
    if len(number) != 11:
        raise ValidationError(
            _("A mainland mobile number has 11 digits; this one has %(n)d.") % {"n": len(number)},
            code="length",
        )
    if not _MOBILE_RE.match(number):
        raise ValidationError(_("A mainland mobile number starts with 13 to 19."), code="prefix")
    return number


def validate_temperature(value) -> Decimal:
    """Body temperature in °C, one decimal, within 34.0–43.0 (anything else is a typing error)."""
    try:
        temp = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("Enter the temperature as a number, e.g. 36.5."), code="format"
        ) from None
    if not temp.is_finite():
        raise ValidationError(_("Enter the temperature as a number, e.g. 36.5."), code="format")
    if temp < TEMPERATURE_MIN or temp > TEMPERATURE_MAX:
        raise ValidationError(
            _("%(t)s °C is not a possible body temperature (34.0–43.0 °C).") % {"t": temp},
            code="range",
        )
    return temp.quantize(Decimal("0.1"))


def is_fever(value) -> bool:
    """Whether a (valid) body temperature is at or above the fever threshold
    (``FANGKONG_FEVER_THRESHOLD``, 37.3 °C by default): the one rule checkpoints, observation
    checks and clinics use to flag a fever."""
    from django.conf import settings

    return Decimal(str(value)) >= Decimal(str(settings.FANGKONG_FEVER_THRESHOLD))


def is_risk_origin(place: str) -> bool:
    """Whether a place someone came from names a configured risk origin
    (``FANGKONG_RISK_ORIGINS``: 武汉, 湖北 by default; matched as a substring, so 湖北省孝感市
    and 武汉市 both match)."""
    from django.conf import settings

    text = (place or "").strip()
    return bool(text) and any(origin in text for origin in settings.FANGKONG_RISK_ORIGINS)


def validate_not_future(value: dt.date | dt.datetime) -> None:
    now = timezone.now()
    if isinstance(value, dt.datetime):
        if value > now + dt.timedelta(minutes=5):
            raise ValidationError(_("This time is in the future."), code="future")
    elif value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="future")


# Line breaks are text in a multi-line field (a note, an address block), never in a one-line one.
_LINE_BREAKS = frozenset("\n\r")


def validate_text(value, *, multiline: bool = False) -> None:
    """Refuse invisible control characters (Unicode category Cc: C0, DEL and C1) in any text.

    They come from copying out of other systems or from hostile input; they are invisible on
    screen, break exports and searches (and PostgreSQL cannot store NUL at all). Line breaks
    (CR, LF) are allowed only with ``multiline=True``, for TextFields. One message, naming the
    character and its position (counted from 1), for forms, API and imports alike.
    """
    if not isinstance(value, str):
        return
    for position, char in enumerate(value, start=1):
        if unicodedata.category(char) != "Cc":
            continue
        if multiline and char in _LINE_BREAKS:
            continue
        if char in _LINE_BREAKS:
            message = _(
                "Contains a line break at position %(pos)d; this field takes a single line."
            )
        else:
            message = _(
                "Contains an invisible control character (%(code)s) at position %(pos)d; "
                "retype the text."
            )
        raise ValidationError(
            message % {"code": f"U+{ord(char):04X}", "pos": position},
            code="control_character",
            params={"code": f"U+{ord(char):04X}", "pos": position},
        )


def validate_multiline_text(value) -> None:
    validate_text(value, multiline=True)


PERSON_NAME_MAX_LENGTH = 60


def validate_person_name(value: str) -> None:
    """A person's name as an identity document prints it.

    A resident ID card prints up to 15 Chinese characters; a foreigner's permanent residence
    card up to about 60 Latin letters (with spaces and hyphens). One limit, 60 characters, here.
    """
    value = value or ""
    if len(value) > PERSON_NAME_MAX_LENGTH:
        raise ValidationError(
            _(
                "A name has at most %(max)d characters (as printed on an ID card or a permanent "
                "residence card); this one has %(n)d."
            )
            % {"max": PERSON_NAME_MAX_LENGTH, "n": len(value)},
            code="name_length",
        )


def mask_resident_id(number: str) -> str:
    if not number:
        return ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:] if len(number) > 10 else "*" * 6


def mask_mobile(number: str) -> str:
    if not number:
        return ""
    return number[:3] + "****" + number[-4:] if len(number) >= 8 else "****"
