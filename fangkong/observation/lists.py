"""The configurable lists of the module (key-person categories, 六包一 team roles, 六个一
measures, symptoms): one page each for the command office to add, rename, reorder or retire
entries. Codes never change once created (other modules refer to them); entries are retired
(``active`` off), never deleted, so past records keep their meaning."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.generic import bootstrapify
from fangkong.core.signals import log_denied
from fangkong.observation.models import KeyPersonCategory, Measure, Symptom, TeamRole

LISTS = {
    "categories": (KeyPersonCategory, gettext_lazy("Key-person categories")),
    "team-roles": (TeamRole, gettext_lazy("Team roles (六包一)")),
    "measures": (Measure, gettext_lazy("Measures (六个一)")),
    "symptoms": (Symptom, gettext_lazy("Symptoms asked at checks")),
}


class ItemForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("Letters, digits and hyphens; made from the name when empty."),
    )
    sort = forms.IntegerField(label=gettext_lazy("Order"), min_value=0, max_value=9999, initial=100)
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


def list_page(request, kind: str):
    model, title = LISTS[kind]
    perm = f"observation.change_{model._meta.model_name}"
    if not request.user.has_perm(perm):
        log_denied(request, perm)
        raise PermissionDenied
    form = ItemForm(request.POST or None if "add" in request.POST else None)
    if request.method == "POST" and "save" in request.POST:
        _save_all(request, model)
        messages.success(request, _("Saved."))
        return redirect("observation:list_settings", kind)
    if request.method == "POST" and "add" in request.POST and form.is_valid():
        code = form.cleaned_data["code"] or slugify(form.cleaned_data["name"]) or ""
        if not code:
            code = f"item-{model.objects.count() + 1}"
        if model.objects.filter(code=code).exists():
            form.add_error("code", _("This code is already used."))
        else:
            model.objects.create(
                code=code,
                name=form.cleaned_data["name"],
                sort=form.cleaned_data["sort"],
                active=form.cleaned_data["active"],
            )
            messages.success(request, _("Added."))
            return redirect("observation:list_settings", kind)
    return render(
        request,
        "observation/list_settings.html",
        {
            "title": title,
            "items": model.objects.all(),
            "form": form,
            "kind": kind,
            "kinds": [(k, t) for k, (_m, t) in LISTS.items()],
        },
        status=400 if form.errors else 200,
    )


@transaction.atomic
def _save_all(request, model) -> None:
    for item in model.objects.select_for_update():
        name = (request.POST.get(f"name-{item.pk}") or "").strip()[:60]
        try:
            sort = max(0, min(9999, int(request.POST.get(f"sort-{item.pk}", item.sort))))
        except ValueError:
            sort = item.sort
        active = request.POST.get(f"active-{item.pk}") == "on"
        if name and (name, sort, active) != (item.name, item.sort, item.active):
            item.name, item.sort, item.active = name, sort, active
            item.full_clean()
            item.save()
