import re

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.core.crypto import last4_index
from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.core.kit.forms import IsoDateInput
from fangkong.people.models import Person, Tag
from fangkong.places.choices import AREAS, HOUSEHOLDS
from fangkong.places.models import Area, Household

_DIGITS_OR_X = re.compile(r"^\d{3}[\dXx]$|^\d{4}$")
_LONG_NUMBER = re.compile(r"\d{7,}")
_VOWELS = frozenset("aeiouv")
# 5 to 18 digits (an ID may end in X), once spaces and hyphens are dropped.
_NUMBER = re.compile(r"^\d{4,17}[\dXx]$")
NUMBER_PREFIX_HINT = _(
    "Type the last four digits, or the whole 18-character ID number / 11-digit mobile number; "
    "a prefix such as 430971 is not searched (it would list a whole district)."
)


def _is_full_number(compact: str) -> bool:
    """An 11-digit mobile, a 15-digit (old) or 18-character ID number."""
    return (len(compact) in (11, 15) and compact.isdigit()) or (
        len(compact) == 18 and compact[:-1].isdigit()
    )


def search_q(queryset, value: str):
    """Name, pinyin initials or full pinyin, or the last four digits of ID or phone.

    Full ID and phone numbers are refused here (they would travel in a URL); they are
    searched by ``person_search`` through a POST.
    """
    value = value.strip()
    if not value:
        return queryset
    compact = re.sub(r"[\s-]", "", value)
    if _NUMBER.match(compact) and not _is_full_number(compact):
        # A part of a number other than its last four (an ID's area prefix, a birth date)
        # would match a whole district, and there is no index for it: say so, rather than
        # answer "nothing found".
        raise ValidationError(NUMBER_PREFIX_HINT, code="number_prefix")
    if _LONG_NUMBER.search(value):
        raise ValidationError(_("Search by a full ID or phone number with the search box."))
    # Matches come newest first. Registration order is unrelated to names, so the database can
    # walk the primary key and stop after a page even for a common surname; ordering by pinyin
    # would sort every namesake of the district first (60,000 王 at a million persons), and a
    # pinyin-ordered index walk would pass most of the district before the first "zs".
    if _DIGITS_OR_X.match(value):
        id_key, phone_key = last4_index(value, "resident_id"), last4_index(value, "mobile")
        found = queryset.filter(id_last4_bidx=id_key) | queryset.filter(phone_last4_bidx=phone_key)
        return found.order_by("name_initials", "name_pinyin", "id")
    if value.isascii():
        low = value.lower().replace(" ", "")
        found = queryset.filter(name_initials__prefix=low)
        # Every pinyin syllable has a vowel: "zs" or "wxm" can only be initials.
        if _VOWELS.intersection(low):
            found = found | queryset.filter(name_pinyin__prefix=low)
        return found.order_by("-id")
    # Names are typed from the start (surname first) and a prefix is an index lookup; only when
    # nothing starts with the text (a given name typed alone) is the whole scope scanned.
    by_prefix = queryset.filter(name__prefix=value)
    if len(value) > 1 and not by_prefix.exists():
        by_prefix = queryset.filter(name__contains=value)
    return by_prefix.order_by("-id")


class PersonFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name, initials or last 4 digits"))
    # Search-as-you-type: a district holds hundreds of areas and a third of a million households.
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="filter_area",
        label=_("Area"),
        widget=SearchSelect(AREAS, attrs={"class": "form-control form-control-sm"}),
    )
    household = django_filters.ModelChoiceFilter(
        queryset=Household.objects.all(),
        label=_("Household"),
        widget=SearchSelect(
            HOUSEHOLDS, include="area", attrs={"class": "form-control form-control-sm"}
        ),
    )
    sex = django_filters.ChoiceFilter(choices=Person.Sex.choices, label=_("Sex"))
    is_resident = django_filters.BooleanFilter(label=_("Resident"))
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(), field_name="tags", label=_("Tag")
    )
    born_after = django_filters.DateFilter(
        field_name="birth_date", lookup_expr="gte", label=_("Born on or after"), widget=IsoDateInput
    )
    born_before = django_filters.DateFilter(
        field_name="birth_date",
        lookup_expr="lte",
        label=_("Born on or before"),
        widget=IsoDateInput,
    )
    ordering = django_filters.OrderingFilter(
        fields=(("name_pinyin", "name"), ("birth_date", "birth_date"), ("created_at", "created")),
        # Both directions labelled: django-filter's own "%s (descending)" has no Chinese.
        field_labels={
            "name": _("Name (A→Z)"),
            "-name": _("Name (Z→A)"),
            "birth_date": _("Date of birth, oldest first"),
            "-birth_date": _("Date of birth, youngest first"),
            "created": _("Created, oldest first"),
            "-created": _("Created, newest first"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Person
        fields = ["q", "area", "household", "sex", "is_resident", "tag"]

    def filter_q(self, queryset, name, value):
        try:
            return search_q(queryset, value)
        except ValidationError as exc:
            # Not add_error(): it deletes cleaned_data["q"] while django-filter iterates it.
            self.form.errors.setdefault("q", self.form.error_class()).extend(exc.messages)
            return queryset.none()

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)
