"""Forms of the surveys pages. The visit form is hand-laid for a phone (one card per household
member), so its POST is turned here into the same payload the API takes; the service is the one
validator of both."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.forms import IsoDateInput
from fangkong.surveys.models import Symptom

NEWCOMER_SLOTS = 3


def _answers(post, prefix: str, campaign) -> dict:
    out = {
        "seen": post.get(f"{prefix}-seen") == "on",
        "lives_here": post.get(f"{prefix}-away") != "on",
    }
    if campaign.ask_travel:
        out["travel_origin"] = post.get(f"{prefix}-origin", "")
        out["arrival_date"] = post.get(f"{prefix}-arrival", "") or None
    if campaign.ask_symptoms:
        out["symptoms"] = post.getlist(f"{prefix}-symptoms")
    if campaign.ask_temperature:
        out["temperature"] = post.get(f"{prefix}-temp", "") or None
    if campaign.ask_contact:
        out["contact"] = post.get(f"{prefix}-contact") == "on"
    out["extra"] = [post.get(f"{prefix}-x{i}") == "on" for i in range(len(campaign.extra_list))]
    return out


def parse_visit_post(post, campaign, household, members) -> tuple[dict, str]:
    """The visit page's POST as the service's payload, and the form's client id."""
    outcome = post.get("outcome", "")
    persons = [{"person_id": m.pk, **_answers(post, f"p-{m.pk}", campaign)} for m in members]
    newcomers = []
    for k in range(NEWCOMER_SLOTS):
        name = post.get(f"n-{k}-name", "").strip()
        if name:
            newcomers.append(
                {
                    "name": name,
                    "id_number": post.get(f"n-{k}-id", "").strip(),
                    **_answers(post, f"n-{k}", campaign),
                }
            )
    payload = {
        "campaign_id": campaign.pk,
        "household_id": household.pk,
        "outcome": outcome,
        "unreachable_reason": post.get("unreachable_reason", "")
        if outcome == "unreachable"
        else "",
        "retry_on": (post.get("retry_on") or None) if outcome == "unreachable" else None,
        "note": post.get("note", ""),
        "persons": persons if outcome == "seen" else [],
        "newcomers": newcomers if outcome == "seen" else [],
    }
    return payload, post.get("client_id", "")[:64]


class DeclarationForm(forms.Form):
    """Only parses; ``services.declaration_submit`` validates."""

    returned_on = forms.DateField(label=_("back at work on"), required=False, widget=IsoDateInput)
    travel_origin = forms.CharField(
        label=_("places travelled to or come back from"), required=False, max_length=100
    )
    arrival_date = forms.DateField(label=_("arrival date"), required=False, widget=IsoDateInput)
    contact = forms.BooleanField(label=_("contact with key persons"), required=False)
    symptoms = forms.MultipleChoiceField(
        label=_("symptoms"),
        required=False,
        choices=Symptom.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    temperature = forms.DecimalField(
        label=_("temperature (°C)"), required=False, max_digits=4, decimal_places=1
    )
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif not isinstance(field.widget, forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-control"
        self.fields["temperature"].widget.attrs["inputmode"] = "decimal"

    @staticmethod
    def initial_from(current) -> dict:
        if current is None:
            return {}
        return {
            "returned_on": current.returned_on,
            "travel_origin": current.travel_origin,
            "arrival_date": current.arrival_date,
            "contact": current.contact,
            "symptoms": current.symptom_list,
            "temperature": current.temperature,
            "note": current.note,
        }
