"""One FilterSet per list of the observation module, shared by the pages, the API and exports."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.core.kit.forms import IsoDateInput
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    KeyPersonCategory,
    Observation,
    ObservationSite,
    RosterEntry,
    TeamMember,
    TeamRole,
)
from fangkong.people.filtersets import search_q
from fangkong.places.choices import AREAS
from fangkong.places.models import Area

_SMALL = {"class": "form-control form-control-sm"}


def _area_filter():
    return django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="filter_area",
        label=_("Area"),
        widget=SearchSelect(AREAS, attrs=_SMALL),
    )


class _AreaMixin:
    area_lookup = "area__path"

    def filter_area(self, queryset, name, value):
        return queryset.filter(**{f"{self.area_lookup}__startswith": value.path})

    def filter_person(self, queryset, name, value):
        from django.core.exceptions import ValidationError

        from fangkong.people.models import Person

        try:
            people = search_q(Person.objects.all(), value)
        except ValidationError as exc:
            self.form.errors.setdefault("q", self.form.error_class()).extend(exc.messages)
            return queryset.none()
        return queryset.filter(**{f"{self.person_lookup}__in": people.values("pk")})

    person_lookup = "person"


class KeyPersonFilterSet(_AreaMixin, ScopedFilterSet):
    q = django_filters.CharFilter(
        method="filter_person", label=_("Name, initials or last 4 digits")
    )
    needs = django_filters.ChoiceFilter(
        method="filter_needs",
        label=_("Needs action"),
        choices=(
            ("open", _("not yet under observation")),
            ("overdue", _("observation overdue for release")),
            ("any", _("either")),
        ),
    )
    status = django_filters.ChoiceFilter(choices=KeyPerson.Status.choices, label=_("Status"))
    category = django_filters.ModelChoiceFilter(
        queryset=KeyPersonCategory.objects.all(), label=_("Category")
    )
    source = django_filters.ChoiceFilter(choices=KeyPerson.Source.choices, label=_("Source"))
    area = _area_filter()
    identified_from = django_filters.DateFilter(
        field_name="identified_at",
        lookup_expr="date__gte",
        label=_("Identified on or after"),
        widget=IsoDateInput,
    )
    identified_to = django_filters.DateFilter(
        field_name="identified_at",
        lookup_expr="date__lte",
        label=_("Identified on or before"),
        widget=IsoDateInput,
    )
    arrived_from = django_filters.DateFilter(
        field_name="arrival_date",
        lookup_expr="gte",
        label=_("Arrived on or after"),
        widget=IsoDateInput,
    )
    ordering = django_filters.OrderingFilter(
        fields=(("identified_at", "identified"), ("arrival_date", "arrival")),
        field_labels={
            "identified": _("Identified, oldest first"),
            "-identified": _("Identified, newest first"),
            "arrival": _("Arrival, oldest first"),
            "-arrival": _("Arrival, newest first"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = KeyPerson
        fields = ["q", "needs", "status", "category", "source", "area"]

    def filter_needs(self, queryset, name, value):
        overdue = Exists(
            Observation.objects.filter(
                key_person=OuterRef("pk"),
                status=Observation.Status.ACTIVE,
                planned_end_date__lt=timezone.localdate(),
            )
        )
        open_q = Q(status=KeyPerson.Status.OPEN)
        if value == "open":
            return queryset.filter(open_q)
        if value == "overdue":
            return queryset.filter(overdue)
        return queryset.filter(open_q | Q(overdue))


class ObservationFilterSet(_AreaMixin, ScopedFilterSet):
    q = django_filters.CharFilter(
        method="filter_person", label=_("Name, initials or last 4 digits")
    )
    status = django_filters.ChoiceFilter(choices=Observation.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=Observation.Kind.choices, label=_("Kind"))
    site = django_filters.ModelChoiceFilter(queryset=ObservationSite.objects.all(), label=_("Site"))
    area = _area_filter()
    category = django_filters.ModelChoiceFilter(
        field_name="key_person__category",
        queryset=KeyPersonCategory.objects.all(),
        label=_("Category"),
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue for release"))
    started_on = django_filters.DateFilter(
        field_name="start_date", label=_("Started on"), widget=IsoDateInput
    )
    started_from = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="gte",
        label=_("Started on or after"),
        widget=IsoDateInput,
    )
    started_to = django_filters.DateFilter(
        field_name="start_date",
        lookup_expr="lte",
        label=_("Started on or before"),
        widget=IsoDateInput,
    )
    ended_on = django_filters.DateFilter(
        field_name="ended_at", lookup_expr="date", label=_("Ended on"), widget=IsoDateInput
    )
    active_on = django_filters.DateFilter(
        method="filter_active_on", label=_("Under observation on"), widget=IsoDateInput
    )
    ordering = django_filters.OrderingFilter(
        fields=(("start_date", "start"), ("planned_end_date", "end")),
        field_labels={
            "start": _("Start, oldest first"),
            "-start": _("Start, newest first"),
            "end": _("Planned end, soonest first"),
            "-end": _("Planned end, latest first"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Observation
        fields = ["q", "status", "kind", "site", "area", "category"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status=Observation.Status.ACTIVE, planned_end_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_active_on(self, queryset, name, value):
        import datetime as dt

        end = timezone.make_aware(dt.datetime.combine(value, dt.time.min)) + dt.timedelta(days=1)
        return queryset.filter(started_at__lt=end).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gte=end)
        )


class HealthCheckFilterSet(_AreaMixin, ScopedFilterSet):
    area_lookup = "observation__area__path"
    person_lookup = "observation__person"

    q = django_filters.CharFilter(
        method="filter_person", label=_("Name, initials or last 4 digits")
    )
    observation = django_filters.NumberFilter(field_name="observation_id", label=_("Observation"))
    date = django_filters.DateFilter(label=_("Date"), widget=IsoDateInput)
    half = django_filters.ChoiceFilter(choices=HealthCheck.Half.choices, label=_("Half-day"))
    fever = django_filters.BooleanFilter(label=_("Fever"))
    abnormal = django_filters.BooleanFilter(label=_("Abnormal"))
    area = _area_filter()
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From"), widget=IsoDateInput
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To"), widget=IsoDateInput
    )

    class Meta:
        model = HealthCheck
        fields = ["q", "observation", "date", "half", "fever", "abnormal", "area"]


class SiteFilterSet(_AreaMixin, ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))
    active = django_filters.BooleanFilter(label=_("Open"))
    area = _area_filter()

    class Meta:
        model = ObservationSite
        fields = ["name", "active", "area"]


class RosterFilterSet(_AreaMixin, ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=pgettext_lazy("person", "Name"))
    role = django_filters.ModelChoiceFilter(queryset=TeamRole.objects.all(), label=_("Team role"))
    area = _area_filter()

    class Meta:
        model = RosterEntry
        fields = ["name", "role", "area"]


class TeamMemberFilterSet(_AreaMixin, ScopedFilterSet):
    area_lookup = "observation__area__path"

    name = django_filters.CharFilter(lookup_expr="icontains", label=pgettext_lazy("person", "Name"))
    role = django_filters.ModelChoiceFilter(queryset=TeamRole.objects.all(), label=_("Team role"))
    observation = django_filters.NumberFilter(field_name="observation_id", label=_("Observation"))
    area = _area_filter()

    class Meta:
        model = TeamMember
        fields = ["name", "role", "observation", "area"]
