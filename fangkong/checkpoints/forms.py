"""Forms: the shift's staff choice, and the passage screen's form (it only parses; the service
validates)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.checkpoints.models import Passage
from fangkong.checkpoints.services import ORIGIN_CHOICES
from fangkong.core.kit.forms import KitForm
from fangkong.core.scoping import area_prefix_q, grant_paths


def rosterable_users(actor, perm: str = "checkpoints.add_shift"):
    """Users who may be put on a shift by ``actor``: holding an active grant in one of the
    areas where the actor may add shifts (never the whole user directory)."""
    from fangkong.core.models import RoleGrant

    paths = grant_paths(actor, perm)
    if getattr(actor, "is_superuser", False):
        grants = RoleGrant.objects.active()
    else:
        grants = RoleGrant.objects.active().filter(area_prefix_q(paths, "area__path"))
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .order_by("full_name", "username")
    )


class ShiftForm(KitForm):
    start = forms.DateTimeField(
        label=_("Start"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label=_("End"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = rosterable_users(self.actor)
        if self.editing:
            users = users | get_user_model().objects.filter(pk=self.instance.user_id)
        self.fields["user"].queryset = users


class PassageForm(forms.Form):
    """The passage screen. Every field is optional here: the service says what is missing."""

    checkpoint = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=Passage.Kind.choices, initial=Passage.Kind.PERSON, widget=forms.RadioSelect
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "enterkeyhint": "next",
                "class": "form-control form-control-lg",
            }
        ),
    )
    name = forms.CharField(label=pgettext_lazy("person", "Name"), required=False, max_length=60)
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    plate = forms.CharField(
        label=_("Number plate"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    passengers = forms.IntegerField(
        label=_("Passengers"), required=False, min_value=0, max_value=99
    )
    temperature = forms.CharField(
        label=_("Temperature (°C)"),
        required=False,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "36.5"}
        ),
    )
    direction = forms.ChoiceField(
        choices=Passage.Direction.choices,
        initial=Passage.Direction.IN,
        widget=forms.RadioSelect,
    )
    origin = forms.CharField(label=_("Coming from"), required=False, max_length=60)
    destination = forms.CharField(label=_("Going to"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    origin_choices = ORIGIN_CHOICES

    def service_data(self, checkpoint) -> dict:
        cleaned = getattr(self, "cleaned_data", {}) or {}
        data = {k: v for k, v in cleaned.items() if k in self.fields and k != "checkpoint"}
        data["checkpoint"] = checkpoint
        if data.get("passengers") is None:
            data["passengers"] = 0
        if data.get("temperature") == "":
            data["temperature"] = None
        return data
