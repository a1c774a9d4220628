"""Base FilterSet: one per list, shared by the UI, the API and exports; choices are scoped."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import AccessLog, SecurityEvent


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet whose model-choice filters only offer records the actor may see."""

    def __init__(self, data=None, queryset=None, *, actor=None, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.actor = actor or getattr(request, "user", None)
        for f in self.filters.values():
            model = getattr(getattr(f, "queryset", None), "model", None)
            if model is not None and hasattr(model.objects, "restrict"):
                f.queryset = model.objects.restrict(self.actor, "view")
        for field in self.form.fields.values():
            if isinstance(field.widget, forms.Select | forms.TextInput | forms.NumberInput):
                field.widget.attrs.setdefault(
                    "class",
                    "form-select form-select-sm"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-sm",
                )


def _date_range(field_name: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """A 'from' and 'to' date pair on a timestamp, both days inclusive in local time."""
    widget = forms.DateInput(attrs={"type": "date"})
    return (
        django_filters.DateFilter(
            field_name=field_name, lookup_expr="date__gte", label=_("From"), widget=widget
        ),
        django_filters.DateFilter(
            field_name=field_name, lookup_expr="date__lte", label=_("To"), widget=widget
        ),
    )


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        select = isinstance(field.widget, forms.Select)
        field.widget.attrs.setdefault(
            "class", "form-select form-select-sm" if select else "form-control form-control-sm"
        )


class AccessLogFilterSet(django_filters.FilterSet):
    """The access log's filters: who, what kind of access, and when."""

    actor = django_filters.CharFilter(
        field_name="actor__username", lookup_expr="icontains", label=_("User")
    )
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, label=_("Action"))
    date_from, date_to = _date_range("at")

    class Meta:
        model = AccessLog
        fields = ["actor", "action", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self.form)


class SecurityEventFilterSet(django_filters.FilterSet):
    """Security events' filters: username, kind, and when."""

    username = django_filters.CharFilter(lookup_expr="icontains", label=_("Username"))
    kind = django_filters.ChoiceFilter(choices=SecurityEvent.Kind.choices, label=_("Kind"))
    date_from, date_to = _date_range("at")

    class Meta:
        model = SecurityEvent
        fields = ["username", "kind", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self.form)
