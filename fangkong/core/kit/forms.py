"""ModelForms built from a ``ModelKit``: scoped choices, protected numbers, ISO dates.

``kit_form_class(kit)`` builds the form of a kit's create and edit pages from ``kit.fields``
with ``modelform_factory``. A module overrides single fields (labels, widgets, a choice list)
by giving ``ModelKit.options["form_class"]`` a ``KitForm`` subclass, or a view's ``form_class``.

The form only parses: it never saves and never runs the model's validation (``_post_clean``
would copy the input onto the very instance the service is about to compare and write). The
service is the one validator; ``service_data()`` is what the form hands it.
"""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import EncryptedTextField
from fangkong.core.generic.edits import bootstrapify
from fangkong.core.kit.choices import SearchSelect, source_for
from fangkong.core.scoping import areas_for


class IsoDateInput(forms.DateInput):
    """``<input type=date>`` accepts only ``YYYY-MM-DD``; the locale's ``1966/10/13`` left it
    blank, so an edit form showed no birth date and a save erased it."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 (Django's argument name)
        super().__init__(attrs, format=format or "%Y-%m-%d")


class SecretCharField(forms.CharField):
    """A protected number: never echoed back into a page, a conflict summary or a URL."""

    secret = True

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"})
        )
        kwargs.setdefault("max_length", 40)
        kwargs["required"] = False
        super().__init__(*args, **kwargs)


def formfield_for(db_field: models.Field, **kwargs) -> forms.Field | None:
    """The kit's ``formfield_callback``: how each kind of model field is edited."""
    if isinstance(db_field, EncryptedTextField):
        kwargs.setdefault("label", capfirst(db_field.verbose_name))
        return SecretCharField(**kwargs)
    if isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("widget", IsoDateInput)
    elif isinstance(db_field, models.ForeignKey) and source_for(db_field.related_model):
        kwargs.setdefault("widget", SearchSelect(source_for(db_field.related_model)))
    elif isinstance(db_field, models.ManyToManyField) and not hasattr(
        db_field.related_model.objects, "restrict"
    ):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
    return db_field.formfield(**kwargs)


class KitForm(forms.ModelForm):
    """Base of every kit form. ``actor`` and ``action`` ("add" or "change") scope the choices:

    - the record's own ``area`` offers the areas where the actor holds ``<app>.<action>_<model>``
      (the service re-checks, but a choice the save would refuse is not offered);
    - every other scoped foreign key offers what the actor may view;
    - ``kit.options["limit_choices"]`` narrows further (``{"area": {"level__in": [5]}}``); the
      search-as-you-type endpoint is asked for the same narrowing.

    On an edit the current value stays selectable, so an unchanged field never fails.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kit = None  # set by kit_form_class

    def __init__(self, *args, actor, action: str = "add", **kwargs):
        super().__init__(*args, **kwargs)
        self.actor, self.action = actor, action
        self.editing = self.instance.pk is not None
        if self.editing:
            self.initial.setdefault("version", self.instance.version)
        self._scope_choices()
        for name, field in self.fields.items():
            if getattr(field, "secret", False):
                self._hide_secret(name, field)
        bootstrapify(self)

    def _scope_choices(self) -> None:
        limits = (self.kit.options.get("limit_choices") if self.kit else None) or {}
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            related = getattr(queryset, "model", None)
            if related is None or not hasattr(related.objects, "restrict"):
                continue
            if name == "area" and self.kit is not None:
                queryset = self._areas_for(related, self.kit.perm(self.action))
            else:
                queryset = related.objects.restrict(self.actor, "view")
            if name in limits:
                queryset = queryset.filter(**limits[name])
            current = getattr(self.instance, f"{name}_id", None) if self.editing else None
            if current is not None:
                queryset = queryset | related.objects.filter(pk=current)
            field.queryset = queryset
            if isinstance(field.widget, SearchSelect) and name == "area" and self.kit:
                field.widget.params["perm"] = self.kit.perm(self.action)
                levels = limits.get(name, {}).get("level__in")
                if levels:
                    field.widget.params["levels"] = ",".join(str(int(v)) for v in levels)

    def _areas_for(self, area_model, perm: str):
        return areas_for(self.actor, perm)

    def _hide_secret(self, name: str, field: forms.Field) -> None:
        # The stored number never goes into the page: a masked hint, and empty keeps it.
        self.initial[name] = ""
        masked = self.instance.masked(name) if self.editing else ""
        if masked:
            field.widget.attrs["placeholder"] = masked
            field.help_text = _("Leave empty to keep the stored number.")

    def _post_clean(self):
        """No model validation and no copying onto the instance: the service does both."""

    def field_value(self, name: str, value):
        """Hook: turn one cleaned value into the service's value (``None`` drops the field)."""
        if getattr(self.fields[name], "secret", False):
            value = (value or "").strip()
            if not value and self.editing:
                return _KEEP
            return value
        if isinstance(value, models.QuerySet):
            return list(value)
        return value

    def service_data(self) -> dict:
        """The cleaned fields as the kit's ``create``/``update``/``check`` take them.

        After a failed ``is_valid()`` it holds the fields that did parse, so the service can
        still check those and every error shows at once.
        """
        cleaned = getattr(self, "cleaned_data", {}) or {}
        data = {}
        for name in self.kit.fields if self.kit else self.fields:
            if name in self.fields and name in cleaned:
                value = self.field_value(name, cleaned[name])
                if value is not _KEEP:
                    data[name] = value
        return data


_KEEP = object()


def kit_form_class(kit) -> type[KitForm]:
    """The ModelForm of ``kit``: ``options["form_class"]`` (a ``KitForm``) or ``KitForm``, with
    ``options["labels"]`` and ``options["help_texts"]`` over the model's verbose names."""
    base = kit.options.get("form_class") or KitForm
    return forms.modelform_factory(
        kit.model,
        form=type(f"{kit.model.__name__}KitForm", (base,), {"kit": kit}),
        fields=list(kit.fields),
        formfield_callback=formfield_for,
        labels=kit.options.get("labels"),
        help_texts=kit.options.get("help_texts"),
    )
