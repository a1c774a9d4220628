"""Forms of the big-data pages: they only parse; the services validate and write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.bigdata.models import CarrierList, VerificationTask
from fangkong.core.generic.edits import bootstrapify
from fangkong.core.kit.choices import SearchSelect
from fangkong.core.kit.forms import IsoDateInput
from fangkong.core.scoping import areas_for
from fangkong.places.choices import AREAS
from fangkong.places.models import Area

ACCEPT = ".xlsx,.xls,.csv"


class ListFileForm(forms.Form):
    file = forms.FileField(
        label=_("List file (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class CarrierListForm(ListFileForm):
    area = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Received by"))
    name = forms.CharField(label=_("list name"), max_length=100)
    carrier = forms.ChoiceField(label=_("carrier"), choices=CarrierList.Carrier.choices)
    source = forms.CharField(
        label=_("list source"),
        max_length=60,
        help_text=_("Who sent the list, e.g. the provincial big-data group."),
    )
    list_date = forms.DateField(label=_("list date"), widget=IsoDateInput)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    field_order = ["area", "name", "carrier", "source", "list_date", "note", "file"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(actor, "bigdata.add_carrierlist").filter(
            level__in=(Area.Level.DISTRICT, Area.Level.TOWN)
        )
        self.order_fields(self.field_order)
        bootstrapify(self)

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "file"}


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What did you find?"),
        choices=VerificationTask.Outcome.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class AssignForm(forms.Form):
    area = forms.ModelChoiceField(queryset=Area.objects.none(), label=_("Assign to"))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        field.queryset = areas_for(actor, "bigdata.change_verificationtask")
        field.widget = SearchSelect(AREAS, params={"perm": "bigdata.change_verificationtask"})
        field.widget.choices = field.choices
        bootstrapify(self)


class ResolveForm(forms.Form):
    person = forms.TypedChoiceField(label=_("This row is"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            *[(p.pk, p.pk) for p in candidates],
            (0, _("none of them")),
        ]


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
