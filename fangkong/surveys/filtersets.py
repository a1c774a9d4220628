"""One FilterSet per list of the surveys app, shared by the pages, the API and the exports."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.places.choices import AREAS
from fangkong.places.models import Area
from fangkong.surveys.models import Campaign, Declaration, Unit, UnitStaff, Visit


class CampaignFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("name"))

    class Meta:
        model = Campaign
        fields = ["name", "status"]


class VisitFilterSet(ScopedFilterSet):
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="in_area",
        label=_("area"),
        widget=SearchSelect(AREAS),
    )
    risky = django_filters.BooleanFilter(method="with_risks", label=_("risks found"))
    day = django_filters.DateFilter(field_name="visited_at", lookup_expr="date", label=_("day"))

    class Meta:
        model = Visit
        fields = ["campaign", "outcome", "area", "risky", "day"]

    def in_area(self, queryset, name, value):
        return queryset.filter(household__area__path__startswith=value.path) if value else queryset

    def with_risks(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(risks_found__gt=0) if value else queryset.filter(risks_found=0)


class UnitFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("name"))

    class Meta:
        model = Unit
        fields = ["name", "kind"]


class StaffFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=pgettext_lazy("person", "name"))
    declared = django_filters.BooleanFilter(method="has_declared", label=_("has declared"))

    class Meta:
        model = UnitStaff
        fields = ["unit", "name", "declared", "active"]

    def has_declared(self, queryset, name, value):
        if value is None:
            return queryset
        current = Exists(Declaration.objects.filter(staff=OuterRef("pk"), current=True))
        return queryset.filter(current) if value else queryset.exclude(current)


class DeclarationFilterSet(ScopedFilterSet):
    # By id: staff lists grow with the data, so no <select> of every staff member.
    staff = django_filters.NumberFilter(field_name="staff_id", label=_("staff member"))
    risky = django_filters.BooleanFilter(method="with_risk", label=_("risk found"))

    class Meta:
        model = Declaration
        fields = ["staff", "current", "risky"]

    def with_risk(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(risk="") if value else queryset.filter(risk="")
