"""Base FilterSet: one per list, shared by the UI, the API and exports; choices are scoped."""

import django_filters
from django import forms


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
                field.widget.attrs.setdefault("class", "form-select form-select-sm"
                                              if isinstance(field.widget, forms.Select)
                                              else "form-control form-control-sm")
