"""Base FilterSet: one per list, shared by the UI, the API and exports; choices are scoped."""

import re

import django_filters
from django import forms
from django.db.models import Q
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
            _any_not_unknown(field.widget)
            if isinstance(field.widget, forms.Select | forms.TextInput | forms.NumberInput):
                field.widget.attrs.setdefault(
                    "class",
                    "form-select form-select-sm"
                    if isinstance(field.widget, forms.Select)
                    else "form-control form-control-sm",
                )


def _any_not_unknown(widget: forms.Widget) -> None:
    """A yes/no filter left unset means "any" (Django labels it "Unknown", 未知)."""
    if isinstance(widget, forms.NullBooleanSelect):
        widget.choices = [
            (value, _("Any") if value == "unknown" else label) for value, label in widget.choices
        ]


def _date_range(field_name: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """A 'from' and 'to' date pair on a timestamp, both days inclusive in local time."""
    # ISO always: <input type=date> cannot show the zh locale's 2026/01/05.
    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
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
        _any_not_unknown(field.widget)
        select = isinstance(field.widget, forms.Select)
        field.widget.attrs.setdefault(
            "class", "form-select form-select-sm" if select else "form-control form-control-sm"
        )


def _subjects_by_suffix(digits: str) -> Q:
    """Log rows whose subject's protected number ends in ``digits`` (the keyed last-four index
    kept beside each encrypted field), for every subject model the log names."""
    from django.contrib.contenttypes.models import ContentType

    from fangkong.core.crypto import last4_index

    q = Q(pk__in=[])
    type_ids = AccessLog.objects.order_by().values_list("subject_type_id", flat=True).distinct()
    for ct in ContentType.objects.filter(pk__in=list(type_ids)):
        model = ct.model_class()
        sensitive = getattr(model, "SENSITIVE", None) if model is not None else None
        if not sensitive:
            continue
        match = Q(pk__in=[])
        for _bidx, last4_field, purpose in sensitive.values():
            match |= Q(**{last4_field: last4_index(digits, purpose)})
        ids = model._base_manager.filter(match).values("pk")
        q |= Q(subject_type=ct, subject_id__in=ids)
    return q


SUFFIX = re.compile(r"^\d{3}[\dXx]$")


class AccessLogFilterSet(django_filters.FilterSet):
    """The access log's filters: who, whose (name or last four digits), what kind, and when.

    "Whose" never takes a whole number: a full ID or phone number must not travel in a URL or
    land in a server log, so anything longer than four digits is refused with a message.
    """

    actor = django_filters.CharFilter(
        field_name="actor__username", lookup_expr="icontains", label=_("User")
    )
    subject = django_filters.CharFilter(
        method="filter_subject",
        label=_("Whose"),
        max_length=30,
        help_text=_("Name, or the last four digits of the ID or phone number."),
    )
    action = django_filters.ChoiceFilter(choices=AccessLog.Action.choices, label=_("Action"))
    date_from, date_to = _date_range("at")

    class Meta:
        model = AccessLog
        fields = ["actor", "subject", "action", "date_from", "date_to"]

    def filter_subject(self, queryset, name, value):
        value = value.strip()
        if SUFFIX.match(value):
            return queryset.filter(_subjects_by_suffix(value))
        return queryset.filter(subject_label__startswith=value)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self.form)
        self.form.fields["subject"].validators.append(_no_full_number)


def _no_full_number(value: str) -> None:
    if sum(ch.isdigit() for ch in value) > 4:
        raise forms.ValidationError(
            _(
                "Search by name or by the last four digits only: a full ID or phone number "
                "must not appear in a web address."
            ),
            code="full_number",
        )


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
