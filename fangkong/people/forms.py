"""Person forms. Choices are scoped; ID and phone inputs are never pre-filled with numbers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.generic import VersionedForm, bootstrapify
from fangkong.core.validators import PERSON_NAME_MAX_LENGTH
from fangkong.people.models import Person, Tag
from fangkong.places.models import Area


class SecretCharField(forms.CharField):
    """A protected number: never echoed back into a page, a conflict summary or a URL."""

    secret = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"})
        )
        super().__init__(*args, **kwargs)


class PersonForm(VersionedForm):
    name = forms.CharField(label=_("Name"), max_length=PERSON_NAME_MAX_LENGTH)
    id_number = SecretCharField(label=_("Resident ID number"), max_length=30, required=False)
    phone = SecretCharField(label=_("Mobile number"), max_length=20, required=False)
    area = forms.ModelChoiceField(label=_("Grid or village"), queryset=Area.objects.none())
    household_number = forms.CharField(
        label=_("Household number"),
        max_length=30,
        required=False,
        help_text=_("Number of an existing household in the chosen grid; leave empty if none."),
    )
    relation = forms.CharField(label=_("Relation to head"), max_length=20, required=False)
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=[("", "—"), *Person.Sex.choices],
        required=False,
        help_text=_("Taken from the ID number when one is given."),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Taken from the ID number when one is given."),
    )
    current_address = forms.CharField(label=_("Current address"), max_length=200, required=False)
    registered_residence = forms.CharField(
        label=_("Registered residence (hukou)"), max_length=200, required=False
    )
    is_resident = forms.BooleanField(label=_("Lives here (resident)"), required=False, initial=True)
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, areas=None, masked=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas.filter(
                level__in=[Area.Level.GRID, Area.Level.VILLAGE, Area.Level.COMMUNITY]
            )
        if masked:
            # Editing: the stored numbers are shown masked as a hint; empty keeps them.
            for name, value in masked.items():
                if value:
                    self.fields[name].widget.attrs["placeholder"] = value
                    self.fields[name].help_text = _("Leave empty to keep the stored number.")
        bootstrapify(self)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full numbers?"),
        max_length=200,
        min_length=2,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, initials, ID or phone number"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg",
                "autocomplete": "off",
                "autofocus": True,
                "enterkeyhint": "search",
            }
        ),
    )


class MergeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the merge"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    # The versions of both records as shown on the confirmation page: a change in between makes
    # the merge stop instead of merging something the user did not see.
    keep_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    drop_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
