"""One FilterSet per list of the command app (page, API and export)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.command.models import (
    CommandGroup,
    Directive,
    GroupMember,
    Meeting,
    ResponseLevel,
    Responsibility,
    Task,
)
from fangkong.core.filtersets import ScopedFilterSet
from fangkong.core.kit.choices import SearchSelect
from fangkong.places.choices import AREAS
from fangkong.places.models import Area


class ResponseLevelFilterSet(ScopedFilterSet):
    class Meta:
        model = ResponseLevel
        fields = ["level"]


class CommandGroupFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("Name"))
    current = django_filters.BooleanFilter(
        field_name="effective_to", lookup_expr="isnull", label=_("Current composition")
    )

    class Meta:
        model = CommandGroup
        fields = ["name", "group_kind", "current"]


class GroupMemberFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains", label=pgettext_lazy("person", "Name"))

    class Meta:
        model = GroupMember
        fields = ["name", "group"]


class MeetingFilterSet(ScopedFilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains", label=_("Title"))

    class Meta:
        model = Meeting
        fields = ["title", "meeting_kind"]


class DirectiveFilterSet(ScopedFilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains", label=_("Title"))

    class Meta:
        model = Directive
        fields = ["title", "meeting"]


class TaskFilterSet(ScopedFilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains", label=_("Title"))
    area = django_filters.ModelChoiceFilter(
        queryset=Area.objects.all(),
        method="filter_area",
        label=_("Dispatched to"),
        widget=SearchSelect(AREAS, attrs={"class": "form-control form-control-sm"}),
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))

    class Meta:
        model = Task
        fields = ["title", "status", "area", "directive", "overdue"]

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__path__startswith=value.path)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(status__in=Task.OPEN_STATUSES, deadline__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)


class ResponsibilityFilterSet(ScopedFilterSet):
    leader_name = django_filters.CharFilter(lookup_expr="icontains", label=_("Leader"))

    class Meta:
        model = Responsibility
        fields = ["leader_name", "leader_level"]
