"""Forms of the desks that do not map onto one model: triage and clinic reports (the patient is
found by full ID number or registered), case transitions, acknowledgements, contacts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.generic.edits import bootstrapify
from fangkong.core.kit.choices import SearchSelect
from fangkong.core.kit.forms import IsoDateInput
from fangkong.core.scoping import areas_for
from fangkong.medical.models import Case, Contact, Facility, FeverVisit, Jurisdiction, Referral
from fangkong.medical.services import member_facility_ids
from fangkong.places.choices import AREAS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _datetime_field(label, required=False):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=DATETIME,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class PatientFields(forms.Form):
    """The patient: a full ID number finds them anywhere in the district; a new patient needs a
    name and where they live or stay."""

    id_number = forms.CharField(
        label=_("Patient's resident ID number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
        help_text=_("The full 18-character number; the registered patient is found by it."),
    )
    name = forms.CharField(
        label=_("Name (new patient)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Mobile number (new patient)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    area = forms.ModelChoiceField(
        label=_("Lives or stays in (new patient)"), required=False, queryset=None
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["area"].queryset = areas_for(actor, "people.add_person")
        self.fields["area"].widget = SearchSelect(AREAS, params={"perm": "people.add_person"})
        self.fields["area"].widget.choices = self.fields["area"].choices

    def staff_facilities(self, kinds):
        qs = Facility.objects.filter(kind__in=kinds, active=True)
        if not self.actor.is_superuser:
            qs = qs.filter(pk__in=member_facility_ids(self.actor))
        return qs


class TriageForm(PatientFields):
    facility = forms.ModelChoiceField(label=_("Facility"), queryset=None)
    temperature = forms.CharField(
        label=_("Temperature (°C)"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    symptoms = forms.CharField(label=_("Symptoms"), required=False, max_length=200)
    onset_date = forms.DateField(label=_("Onset date"), required=False, widget=IsoDateInput)
    travel_wuhan = forms.BooleanField(label=_("Travelled to or from Wuhan"), required=False)
    travel_hubei = forms.BooleanField(
        label=_("Travelled to or from elsewhere in Hubei"), required=False
    )
    contact_case = forms.BooleanField(label=_("Contact with a case"), required=False)
    contact_key_person = forms.BooleanField(label=_("Contact with a key person"), required=False)
    cluster = forms.BooleanField(label=_("Part of a cluster"), required=False)
    home_jurisdiction = forms.ModelChoiceField(
        label=_("Patient of another jurisdiction"), required=False, queryset=None
    )
    occupation = forms.CharField(label=_("Occupation"), required=False, max_length=40)
    assessment = forms.ChoiceField(label=_("Assessment"), choices=FeverVisit.Assessment.choices)
    disposition = forms.ChoiceField(label=_("Disposition"), choices=FeverVisit.Disposition.choices)
    referred_to = forms.ModelChoiceField(label=_("Refer to"), required=False, queryset=None)
    transport = forms.ChoiceField(
        label=_("Transport"),
        required=False,
        choices=[("", "—"), *Referral.Transport.choices],
    )
    reason = forms.CharField(label=_("Reason for referral"), required=False, max_length=200)
    clinical_notes = forms.CharField(
        label=_("Clinical notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = [
        "facility",
        "id_number",
        "name",
        "phone",
        "area",
        "home_jurisdiction",
        "occupation",
        "temperature",
        "symptoms",
        "onset_date",
        "travel_wuhan",
        "travel_hubei",
        "contact_case",
        "contact_key_person",
        "cluster",
        "assessment",
        "disposition",
        "referred_to",
        "transport",
        "reason",
        "clinical_notes",
    ]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["facility"].queryset = self.staff_facilities(
            [k for k in Facility.Kind.values if k not in ("pharmacy", "designated")]
        )
        self.fields["home_jurisdiction"].queryset = Jurisdiction.objects.all()
        self.fields["referred_to"].queryset = Facility.objects.filter(
            kind__in=[Facility.Kind.DESIGNATED, Facility.Kind.DISTRICT_HOSPITAL], active=True
        )
        self.order_fields(self.field_order)
        bootstrapify(self)


class ClinicReportForm(PatientFields):
    facility = forms.ModelChoiceField(label=_("Clinic"), queryset=None)
    temperature = forms.CharField(
        label=_("Temperature (°C)"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    symptoms = forms.CharField(label=_("Symptoms"), required=False, max_length=200)
    onset_date = forms.DateField(label=_("Onset date"), required=False, widget=IsoDateInput)
    travel_wuhan = forms.BooleanField(label=_("Travelled to or from Wuhan"), required=False)
    travel_hubei = forms.BooleanField(
        label=_("Travelled to or from elsewhere in Hubei"), required=False
    )
    contact_case = forms.BooleanField(label=_("Contact with a case"), required=False)
    contact_key_person = forms.BooleanField(label=_("Contact with a key person"), required=False)
    cluster = forms.BooleanField(label=_("Part of a cluster"), required=False)
    to_facility = forms.ModelChoiceField(
        label=_("Refer to"),
        required=False,
        queryset=None,
        help_text=_("Empty: the district hospital's fever clinic."),
    )
    transport = forms.ChoiceField(label=_("Transport"), choices=Referral.Transport.choices)

    field_order = [
        "facility",
        "id_number",
        "name",
        "phone",
        "area",
        "temperature",
        "symptoms",
        "onset_date",
        "travel_wuhan",
        "travel_hubei",
        "contact_case",
        "contact_key_person",
        "cluster",
        "to_facility",
        "transport",
    ]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        from fangkong.medical.rules import REPORTING_CLINICS

        self.fields["facility"].queryset = self.staff_facilities(REPORTING_CLINICS)
        self.fields["to_facility"].queryset = Facility.objects.filter(
            fever_clinic=True, active=True
        )
        self.order_fields(self.field_order)
        bootstrapify(self)


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New classification"), choices=Case.Status.choices)
    severity = forms.ChoiceField(
        label=_("Clinical severity"), required=False, choices=[("", "—"), *Case.Severity.choices]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    at = _datetime_field(_("At (empty: now)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class AcknowledgeForm(forms.Form):
    receiver_name = forms.CharField(label=_("Received by"), required=False, max_length=50)
    at = _datetime_field(_("At (empty: now)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class HouseholdContactsForm(forms.Form):
    exposure_date = forms.DateField(label=_("Last exposure date"), widget=IsoDateInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ObserveContactsForm(forms.Form):
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"), queryset=Contact.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = case.contacts.filter(key_person__isnull=True)
