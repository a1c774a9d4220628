"""One FilterSet per list of the big-data module, shared by its page, its API and its export.

Full phone or ID numbers are never filters (they would travel in a URL)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.bigdata.models import CarrierList, ListRow, VerificationOutcome, VerificationTask
from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.places.choices import AREAS
from fangkong.places.models import Area


class CarrierListFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = CarrierList
        fields = ["q", "carrier", "status"]


class ListRowFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="startswith", label=pgettext_lazy("person", "Name")
    )

    class Meta:
        model = ListRow
        fields = ["q", "carrier_list", "status", "match_by"]


class VerificationTaskFilterSet(ScopedFilterSet):
    STATES = (
        ("pending", _("to verify")),
        ("overdue", _("overdue")),
        ("verified", _("verified")),
    )
    q = django_filters.CharFilter(method="filter_q", label=pgettext_lazy("person", "Name"))
    state = django_filters.ChoiceFilter(choices=STATES, method="filter_state", label=_("State"))
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="filter_area",
        label=_("Area"),
        widget=SearchSelect(AREAS, attrs={"class": "form-control form-control-sm"}),
    )
    # By number, not a choice of lists: grid workers see their tasks but never whole lists.
    carrier_list = django_filters.NumberFilter(field_name="carrier_list", label=_("List number"))
    matched = django_filters.BooleanFilter(
        field_name="person", lookup_expr="isnull", exclude=True, label=_("Matched to a person")
    )
    ordering = django_filters.OrderingFilter(
        fields=(("due_at", "due_at"), ("arrival_date", "arrival_date")),
        field_labels={"due_at": _("due"), "arrival_date": _("arrival date")},
    )

    class Meta:
        model = VerificationTask
        fields = ["q", "state", "carrier_list", "outcome", "area", "matched"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(person__name__startswith=value) | Q(name__startswith=value))

    def filter_state(self, queryset, name, value):
        now = timezone.now()
        pending = VerificationTask.Status.PENDING
        if value == "pending":
            return queryset.filter(status=pending)
        if value == "overdue":
            return queryset.filter(status=pending, due_at__lt=now)
        if value == "verified":
            return queryset.filter(status=VerificationTask.Status.VERIFIED)
        return queryset

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path) if value else queryset


class VerificationOutcomeFilterSet(ScopedFilterSet):
    class Meta:
        model = VerificationOutcome
        fields = ["task", "outcome"]
