"""One FilterSet per list (page, API and export share it)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.checkpoints.models import Checkpoint, Passage, Shift
from fangkong.core.filtersets import ScopedFilterSet
from fangkong.places.models import Area

_DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _in_area(queryset, name, area):
    """Records of checkpoints at or below ``area`` (a town column of the daily report)."""
    if not area:
        return queryset
    return queryset.filter(**{f"{name}__path__startswith": area.path})


class CheckpointFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = Checkpoint
        fields = ["name", "kind", "active"]


class ShiftFilterSet(ScopedFilterSet):
    day = django_filters.DateFilter(method="on_day", label=_("Day"), widget=_DATE)

    class Meta:
        model = Shift
        fields = ["checkpoint", "duty"]

    def on_day(self, queryset, name, value):
        """Shifts running at any moment of that local day."""
        from fangkong.checkpoints.selectors import day_bounds

        start, end = day_bounds(value)
        return queryset.filter(start__lt=end, end__gt=start)


class PassageFilterSet(ScopedFilterSet):
    day = django_filters.DateFilter(method="on_day", label=_("Day"), widget=_DATE)
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        field_name="checkpoint__area",
        method="in_area",
        label=_("Town or area"),
    )
    plate = django_filters.CharFilter(lookup_expr="icontains", label=_("Number plate"))

    class Meta:
        model = Passage
        fields = ["checkpoint", "day", "area", "kind", "direction", "fever", "risk_origin", "plate"]

    def on_day(self, queryset, name, value):
        from fangkong.checkpoints.selectors import day_bounds

        start, end = day_bounds(value)
        return queryset.filter(at__gte=start, at__lt=end)

    def in_area(self, queryset, name, value):
        return _in_area(queryset, "checkpoint__area", value)
