"""Chinese number plates (GA 36-2018): a province's one-character abbreviation, the letter of
the issuing city, then five characters (six on a new-energy plate)."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Letters on plates: I and O are never used (they read as 1 and 0).
_LETTER = "A-HJ-NP-Z"
_TAIL_RE = re.compile(rf"^[{_LETTER}0-9]{{4,5}}[{_LETTER}0-9挂学警港澳]$")


def normalize_plate(value: str) -> str:
    """Upper case, full-width letters and digits made ASCII, spaces and the dot (湘H·12345)
    removed."""
    text = unicodedata.normalize("NFKC", str(value or "")).upper()
    return re.sub(r"[\s·.\-•]", "", text)


def validate_plate(value: str) -> str:
    """The normalised plate, or a ``ValidationError`` saying which part is wrong."""
    plate = normalize_plate(value)
    if not plate:
        raise ValidationError(_("Enter the vehicle's number plate."), code="required")
    if plate[0] not in PROVINCES:
        raise ValidationError(
            _("A number plate starts with the province's one-character abbreviation, e.g. 湘H."),
            code="province",
        )
    if len(plate) < 2 or not re.match(rf"[{_LETTER}]", plate[1]):
        raise ValidationError(
            _("The second character of a number plate is the city's letter (A–Z, not I or O)."),
            code="city",
        )
    if len(plate) not in (7, 8):
        raise ValidationError(
            _("A number plate has 7 characters (8 on a new-energy plate); this one has %(n)d.")
            % {"n": len(plate)},
            code="length",
        )
    if not _TAIL_RE.match(plate[2:]):
        raise ValidationError(
            _("After the city's letter a number plate has only letters (not I or O) and digits."),
            code="format",
        )
    return plate
