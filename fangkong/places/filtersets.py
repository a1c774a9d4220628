import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.places.choices import AREAS
from fangkong.places.models import Area, Household


class AreaFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or code"))
    level = django_filters.ChoiceFilter(choices=Area.Level.choices, label=_("Level"))
    parent = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        label=_("Parent area"),
        widget=SearchSelect(AREAS, attrs={"class": "form-control form-control-sm"}),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("path", "path"), ("name", "name"), ("code", "code")),
        # Both directions labelled: django-filter's own "%s (descending)" has no Chinese.
        field_labels={
            "path": _("Tree order"),
            "-path": _("Tree order, reversed"),
            "name": _("Name (A→Z)"),
            "-name": _("Name (Z→A)"),
            "code": _("Code (0→9)"),
            "-code": _("Code (9→0)"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Area
        fields = ["q", "level", "parent"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__contains=value) | queryset.filter(code__startswith=value)


class HouseholdFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Number, address or head"))
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="filter_area",
        label=_("Area"),
        widget=SearchSelect(AREAS, attrs={"class": "form-control form-control-sm"}),
    )
    ordering = django_filters.OrderingFilter(
        fields=(("number", "number"), ("address", "address"), ("created_at", "created")),
        field_labels={
            "number": _("Household number (0→9)"),
            "-number": _("Household number (9→0)"),
            "address": _("Address (A→Z)"),
            "-address": _("Address (Z→A)"),
            "created": _("Created, oldest first"),
            "-created": _("Created, newest first"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Household
        fields = ["q", "area"]

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(number__startswith=value)
            | queryset.filter(address__contains=value)
            | queryset.filter(head_name__startswith=value)
        )
