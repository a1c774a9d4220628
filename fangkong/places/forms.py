"""Forms of the area tree (households use the kit's form); choices are scoped to the user."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.generic import VersionedForm, bootstrapify
from fangkong.places.models import Area


class AreaForm(VersionedForm):
    code = forms.CharField(
        label=_("Code"), max_length=20, help_text=_("The official division code, digits only.")
    )
    name = forms.CharField(label=_("Name"), max_length=60)
    level = forms.TypedChoiceField(label=_("Level"), choices=Area.Level.choices, coerce=int)
    parent = forms.ModelChoiceField(
        label=_("Parent area"), queryset=Area.objects.none(), required=False
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only areas where the user may add areas, and never a grid (nothing hangs below one).
        if parents is not None:
            self.fields["parent"].queryset = parents.exclude(level=Area.Level.GRID)
        bootstrapify(self)
