"""The FilterSet of the issued daily reports (the API's list, and the selector behind it)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.places.choices import AREAS
from fangkong.places.models import Area
from fangkong.reports.models import DailyReport


class DailyReportFilterSet(ScopedFilterSet):
    """Reports of one area (exactly that area: a town's reports are not the district's), of a
    day or a range of days, by how they were issued. The area choices are the actor's own
    (``ScopedFilterSet``): an area out of scope is refused as an invalid choice."""

    area_id = django_filters.ModelChoiceFilter(
        field_name="area",
        queryset=Area.objects.all(),
        label=_("Area"),
        widget=SearchSelect(AREAS, attrs={"class": "form-control form-control-sm"}),
    )
    day = django_filters.DateFilter(label=_("Day"))
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label=_("From"))
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label=_("To"))

    class Meta:
        model = DailyReport
        fields = ["area_id", "day", "day_from", "day_to", "trigger"]
