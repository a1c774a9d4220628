"""One FilterSet per list of the patrols app, shared by the page, the API and the export.

Every list filters by area (search-as-you-type, the area and everything below it) and by the
date the records themselves carry (when it happened), so that a figure of the daily report
links to exactly the records behind it.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.core.kit.forms import IsoDateInput
from fangkong.patrols.choices import CEREMONIES, VENUES
from fangkong.patrols.models import (
    Ceremony,
    Dispersal,
    FollowUp,
    Patrol,
    SpotCheck,
    Venue,
    VenueInspection,
    VenueOrder,
    Violation,
)
from fangkong.patrols.selectors_state import venue_state_at
from fangkong.places.choices import AREAS
from fangkong.places.models import Area

_SMALL = {"class": "form-control form-control-sm"}


def _from_to(field: str, *, timestamp: bool = False, labels=None):
    """'From' and 'to' filters on a date (or, local days, on a timestamp), both inclusive."""
    suffix = "date__" if timestamp else ""
    first, last = labels or (_("From"), _("To"))
    return (
        django_filters.DateFilter(
            field_name=field,
            lookup_expr=f"{suffix}gte",
            label=first,
            widget=IsoDateInput(attrs=_SMALL),
        ),
        django_filters.DateFilter(
            field_name=field,
            lookup_expr=f"{suffix}lte",
            label=last,
            widget=IsoDateInput(attrs=_SMALL),
        ),
    )


def _text(*fields: str, label=None):
    def method(queryset, name, value):  # django-filter calls a callable without self
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__contains": value.strip()})
        return queryset.filter(q)

    return django_filters.CharFilter(method=method, label=label or _("Search"), max_length=50)


class _AreaFilterSet(ScopedFilterSet):
    """The area filter: the chosen area and everything below it, by the model's scope path."""

    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="filter_area",
        label=_("Area"),
        widget=SearchSelect(AREAS, attrs=dict(_SMALL)),
    )

    def filter_area(self, queryset, name, value):
        return queryset.filter(**{f"{queryset.model.scope_path}__startswith": value.path})


def _ordering(*pairs):
    fields, labels = [], {}
    for field, key, up, down in pairs:
        fields.append((field, key))
        labels[key], labels["-" + key] = up, down
    return django_filters.OrderingFilter(
        fields=tuple(fields), field_labels=labels, label=_("Sort by")
    )


_NEWEST = _("Newest first")
_OLDEST = _("Oldest first")


class PatrolFilterSet(_AreaFilterSet):
    q = _text(
        "route",
        "police_members",
        "village_members",
        "findings",
        label=_("Route, team member or finding"),
    )
    day_from, day_to = _from_to("day")
    ordering = _ordering(("day", "day", _OLDEST, _NEWEST))

    class Meta:
        model = Patrol
        fields = ["q", "area", "day_from", "day_to"]


class SpotCheckFilterSet(_AreaFilterSet):
    q = _text("place", "note", label=_("Place or note"))
    result = django_filters.ChoiceFilter(choices=SpotCheck.Result.choices, label=_("Result"))
    date_from, date_to = _from_to("checked_at", timestamp=True)
    ordering = _ordering(("checked_at", "checked", _OLDEST, _NEWEST))

    class Meta:
        model = SpotCheck
        fields = ["q", "area", "result", "date_from", "date_to"]


class DispersalFilterSet(_AreaFilterSet):
    q = _text("place", "note", label=_("Place or note"))
    kind = django_filters.ChoiceFilter(choices=Dispersal.Kind.choices, label=_("Kind"))
    handling = django_filters.ChoiceFilter(
        choices=Dispersal.Handling.choices, label=_("How handled")
    )
    date_from, date_to = _from_to("dispersed_at", timestamp=True)
    ordering = _ordering(
        ("dispersed_at", "dispersed", _OLDEST, _NEWEST),
        ("people", "people", _("Fewest people first"), _("Most people first")),
    )

    class Meta:
        model = Dispersal
        fields = ["q", "area", "kind", "handling", "date_from", "date_to"]


class ViolationFilterSet(_AreaFilterSet):
    q = _text("place", "others", "description", label=_("Place, person or description"))
    kind = django_filters.ChoiceFilter(choices=Violation.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Violation.Status.choices, label=_("Status"))
    date_from, date_to = _from_to("occurred_at", timestamp=True)
    ordering = _ordering(("occurred_at", "occurred", _OLDEST, _NEWEST))

    class Meta:
        model = Violation
        fields = ["q", "area", "kind", "status", "date_from", "date_to"]


class VenueFilterSet(_AreaFilterSet):
    """Venues, with their status (closed or open) on a chosen day (today by default)."""

    STATUS = (("closed", _("closed down")), ("open", _("in business")))

    q = _text("name", "address", "operator_name", label=_("Name, address or operator"))
    kind = django_filters.ChoiceFilter(choices=Venue.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=STATUS, method="filter_status", label=_("Status"))
    as_of = django_filters.DateFilter(
        method="filter_as_of",
        label=_("Status on"),
        widget=IsoDateInput(attrs=_SMALL),
    )
    ordering = _ordering(("name", "name", _("Name (A→Z)"), _("Name (Z→A)")))

    class Meta:
        model = Venue
        fields = ["q", "area", "kind", "status", "as_of"]

    def filter_as_of(self, queryset, name, value):
        return queryset  # read by filter_status

    def filter_status(self, queryset, name, value):
        day = self.form.cleaned_data.get("as_of") or timezone.localdate()
        queryset = queryset.annotate(_kind_then=venue_state_at(day))
        closed = Q(_kind_then=VenueOrder.Kind.CLOSURE)
        return (
            queryset.filter(closed)
            if value == "closed"
            else queryset.exclude(closed & Q(_kind_then__isnull=False))
        )


class VenueOrderFilterSet(_AreaFilterSet):
    venue = django_filters.ModelChoiceFilter(
        queryset=Venue.objects.all(),
        label=_("Venue"),
        widget=SearchSelect(VENUES, attrs=dict(_SMALL)),
    )
    kind = django_filters.ChoiceFilter(choices=VenueOrder.Kind.choices, label=_("Kind"))
    q = _text("issued_by", "document_number", label=_("Issuing body or document number"))
    date_from, date_to = _from_to("effective_date")
    ordering = _ordering(("effective_date", "effective", _OLDEST, _NEWEST))

    class Meta:
        model = VenueOrder
        fields = ["q", "area", "venue", "kind", "date_from", "date_to"]


class VenueInspectionFilterSet(_AreaFilterSet):
    venue = django_filters.ModelChoiceFilter(
        queryset=Venue.objects.all(),
        label=_("Venue"),
        widget=SearchSelect(VENUES, attrs=dict(_SMALL)),
    )
    finding = django_filters.ChoiceFilter(
        choices=VenueInspection.Finding.choices, label=_("Finding")
    )
    date_from, date_to = _from_to("inspected_on")
    ordering = _ordering(("inspected_on", "inspected", _OLDEST, _NEWEST))

    class Meta:
        model = VenueInspection
        fields = ["area", "venue", "finding", "date_from", "date_to"]


class CeremonyFilterSet(_AreaFilterSet):
    q = _text("hosts", "place", "persuaded_by", label=_("Hosts, place or persuader"))
    kind = django_filters.ChoiceFilter(choices=Ceremony.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Ceremony.Status.choices, label=_("Status"))
    date_from, date_to = _from_to("planned_date", labels=(_("Planned from"), _("Planned until")))
    decided_from = django_filters.DateFilter(
        field_name="decided_on",
        lookup_expr="gte",
        label=_("Postponed or cancelled from"),
        widget=IsoDateInput(attrs=_SMALL),
    )
    decided_to = django_filters.DateFilter(
        field_name="decided_on",
        lookup_expr="lte",
        label=_("Postponed or cancelled until"),
        widget=IsoDateInput(attrs=_SMALL),
    )
    simplified = django_filters.BooleanFilter(
        method="filter_simplified", label=_("With simplified arrangements")
    )
    ordering = _ordering(("planned_date", "planned", _OLDEST, _NEWEST))

    class Meta:
        model = Ceremony
        fields = ["q", "area", "kind", "status", "date_from", "date_to"]

    def filter_simplified(self, queryset, name, value):
        ticked = Ceremony.arrangements.through.objects.values("ceremony_id")
        return queryset.filter(pk__in=ticked) if value else queryset.exclude(pk__in=ticked)


class FollowUpFilterSet(_AreaFilterSet):
    ceremony = django_filters.ModelChoiceFilter(
        queryset=Ceremony.objects.all(),
        label=_("Wedding, banquet or funeral"),
        widget=SearchSelect(CEREMONIES, attrs=dict(_SMALL)),
    )
    result = django_filters.ChoiceFilter(choices=FollowUp.Result.choices, label=_("Result"))
    date_from, date_to = _from_to("visited_on")
    ordering = _ordering(("visited_on", "visited", _OLDEST, _NEWEST))

    class Meta:
        model = FollowUp
        fields = ["area", "ceremony", "result", "date_from", "date_to"]
