"""Forms of the observation screens that the kit does not derive (actions on a record)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.generic import bootstrapify
from fangkong.core.kit.forms import IsoDateInput
from fangkong.observation.models import HealthCheck, Observation, ObservationSite, Symptom


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class StartForm(_Versioned):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Observation.Kind.choices, widget=forms.RadioSelect
    )
    site = forms.ModelChoiceField(
        label=_("Centralised site"), queryset=ObservationSite.objects.none(), required=False
    )
    room = forms.CharField(label=_("Room"), max_length=20, required=False)
    start_date = forms.DateField(label=_("Start"), widget=IsoDateInput, required=False)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sites is not None:
            self.fields["site"].queryset = sites


class ExtendForm(_Versioned):
    new_end = forms.DateField(label=_("New planned end"), widget=IsoDateInput)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TransferForm(_Versioned):
    hospital = forms.CharField(label=_("Hospital"), max_length=80)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ReleaseForm(_Versioned):
    pass


class CloseForm(_Versioned):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CheckForm(forms.Form):
    """The door-to-door check on a phone: a big number pad field and the symptom boxes."""

    # Text, not a number field: core.validators.validate_temperature gives the one message.
    temperature = forms.CharField(
        label=_("Temperature (°C)"),
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "inputmode": "decimal",
                "autocomplete": "off",
                "autofocus": True,
                "class": "form-control form-control-lg fk-temp",
            }
        ),
    )
    symptoms = forms.ModelMultipleChoiceField(
        label=_("Symptoms"),
        queryset=Symptom.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    half = forms.ChoiceField(label=_("Half-day"), choices=HealthCheck.Half.choices)
    date = forms.DateField(label=_("Date"), widget=IsoDateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("symptoms", "temperature"):
                field.widget.attrs.setdefault(
                    "class", "form-select" if name == "half" else "form-control"
                )
