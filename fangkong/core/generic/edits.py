"""Edit forms: versions, conflicts, service errors beside fields, soft delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.exceptions import StaleVersion

# --------------------------------------------------------------------------- edits


class VersionedForm(forms.Form):
    """Edit forms carry the version the user read; a stale save is refused, not merged."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def stale_conflict_context(
    form: forms.Form,
    current: models.Model,
    initial_from: Callable[[models.Model], dict],
    form_factory: Callable[..., forms.Form],
) -> dict:
    """Context for re-rendering an edit form after ``StaleVersion``.

    The form is rebuilt from the *current* record (with its current version, so saving again is
    a deliberate choice); what the user had typed is listed beside it so nothing is lost from
    their side either. Encrypted fields typed by the user are never echoed back.
    """
    fresh_initial = initial_from(current)
    fresh_initial["version"] = current.version
    fresh = form_factory(initial=fresh_initial)
    mine = []
    cleaned = getattr(form, "cleaned_data", {}) or {}
    for name, value in cleaned.items():
        if name in ("version",) or value in (None, "", [], ()):
            continue
        bound = form.fields.get(name)
        if bound is None or getattr(bound, "secret", False):
            continue
        if str(fresh_initial.get(name, "")) == str(value):
            continue
        if isinstance(value, (list, tuple, models.QuerySet)):
            value = "、".join(str(v) for v in value)
        mine.append((bound.label, value))
    return {"form": fresh, "conflict": True, "my_changes": mine}


def apply_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` beside the right field (or on top if none fits)."""
    # The errors themselves, not their messages: their codes stay for has_error(field, code).
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for deleting"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def soft_delete_page(
    request: HttpRequest,
    obj: models.Model,
    *,
    delete: Callable[..., Any],
    title: str,
    detail_url: str,
    done_url: str,
    done_message: str,
) -> HttpResponse:
    """The delete page of every module: the user gives a reason; the version they saw guards
    against deleting a record someone has just changed; the service does the soft delete.

    ``delete(reason=..., expected_version=...)`` is the module's service call.
    """
    form = DeleteForm(request.POST or None, initial={"version": obj.version})
    if request.method == "POST" and form.is_valid():
        try:
            delete(
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except StaleVersion:
            messages.error(
                request,
                _(
                    "Someone else changed this record meanwhile; check it and "
                    "delete again if still needed."
                ),
            )
            return redirect(detail_url)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, done_message)
            return redirect(done_url)
    return render(
        request,
        "core/generic/delete.html",
        {"form": form, "object": obj, "title": title, "cancel_url": detail_url},
    )


def bootstrapify(form: forms.Form) -> forms.Form:
    """Bootstrap classes on every widget, so templates can render fields generically."""
    for bound_field in form.fields.values():
        widget = bound_field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = ""
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        if css:
            widget.attrs.setdefault("class", css)
    return form
