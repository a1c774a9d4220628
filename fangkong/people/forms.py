"""Person forms. The edit form comes from the kit (``core.kit.forms``); only what is particular
to persons is declared here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.kit.forms import KitForm

# Relation to the head of household as the household register writes it (the stored value),
# with English source labels for the interface.
RELATIONS = [
    ("户主", _("Head of household")),
    ("配偶", _("Spouse")),
    ("子", _("Son")),
    ("女", _("Daughter")),
    ("子女", _("Son or daughter")),
    ("父母", _("Parent")),
    ("祖父母", _("Grandparent")),
    ("孙子女", _("Grandchild")),
    ("兄弟姐妹", _("Brother or sister")),
    ("其他", _("Other")),
]


class PersonForm(KitForm):
    relation = forms.ChoiceField(label=_("Relation to head"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *RELATIONS]
        stored = self.instance.relation if self.editing else ""
        if stored and stored not in dict(RELATIONS):
            choices.append((stored, stored))  # written before the list existed: kept as is
        self.fields["relation"].choices = choices
        self.fields["household"].widget.include = "area"

    def service_data(self) -> dict:
        data = super().service_data()
        if data.get("id_number") or (self.editing and self.instance.id_number):
            # Sex and birth date are read from the ID number, never typed over it.
            data.pop("sex", None)
            data.pop("birth_date", None)
        return data


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
