"""Pages of the patrols app on the module kit. Thin: parse, call a selector or service, render.

Every list shares one results template: the view says which columns a desk sees (a table) and
what a phone shows per record (a card); the cells are computed here from the kit's fields, so
choices, dates and masked numbers are shown the same way everywhere.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from fangkong.core.exceptions import StaleVersion
from fangkong.core.fields import EncryptedTextField
from fangkong.core.generic import apply_validation_error
from fangkong.core.generic.edits import bootstrapify
from fangkong.core.kit import views as kit
from fangkong.core.text import in_script
from fangkong.patrols import selectors, services
from fangkong.patrols.models import VenueOrder, Violation

# The lists of the app, in the order of the tabs above each of them.
TABS = (
    ("patrol", gettext_lazy("Patrols"), "patrols.view_patrol"),
    ("spotcheck", gettext_lazy("Spot checks"), "patrols.view_spotcheck"),
    ("dispersal", gettext_lazy("Gatherings dispersed"), "patrols.view_dispersal"),
    ("violation", gettext_lazy("Violations"), "patrols.view_violation"),
    ("venue", gettext_lazy("Venues"), "patrols.view_venue"),
    ("venueorder", gettext_lazy("Closures and reopenings"), "patrols.view_venueorder"),
    ("venueinspection", gettext_lazy("Inspections"), "patrols.view_venueinspection"),
    ("ceremony", gettext_lazy("Weddings and funerals"), "patrols.view_ceremony"),
    ("followup", gettext_lazy("Follow-up visits"), "patrols.view_followup"),
)

# Per list: the desk's table columns (field names; "sort key" after a colon) and the phone
# card's title, the line below it and the badge field.
LAYOUT: dict[str, dict] = {
    "patrol": {
        "columns": ("day:day", "area", "route", "police_members", "village_members", "findings"),
        "card": ("route", ("day", "area"), None),
    },
    "spotcheck": {
        "columns": ("checked_at:checked", "area", "place", "result", "note"),
        "card": ("place", ("checked_at", "area"), "result"),
    },
    "dispersal": {
        "columns": ("dispersed_at:dispersed", "area", "place", "kind", "people:people", "handling"),
        "card": ("place", ("dispersed_at", "area", "people"), "handling"),
    },
    "violation": {
        "columns": ("occurred_at:occurred", "area", "kind", "place", "person", "action", "status"),
        "card": ("place", ("occurred_at", "kind", "area"), "status"),
    },
    "venue": {
        "columns": ("name:name", "kind", "area", "address", "operator_name", "operator_phone"),
        "card": ("name", ("kind", "area", "address"), None),
    },
    "venueorder": {
        "columns": ("effective_date:effective", "venue", "kind", "issued_by", "document_number"),
        "card": ("venue", ("effective_date", "issued_by", "document_number"), "kind"),
    },
    "venueinspection": {
        "columns": ("inspected_on:inspected", "venue", "inspector", "finding", "note"),
        "card": ("venue", ("inspected_on", "inspector"), "finding"),
    },
    "ceremony": {
        "columns": (
            "planned_date:planned",
            "kind",
            "hosts",
            "area",
            "place",
            "expected_guests",
            "status",
            "persuaded_by",
        ),
        "card": ("hosts", ("planned_date", "kind", "area"), "status"),
    },
    "followup": {
        "columns": ("visited_on:visited", "ceremony", "visitor", "result", "note"),
        "card": ("ceremony", ("visited_on", "visitor"), "result"),
    },
}

# Badge colours of the values a reader scans for.
BADGES = {
    "compliant": "success",
    "kept": "success",
    "concluded": "secondary",
    "recorded": "warning",
    "referred": "danger",
    "violation": "danger",
    "reported": "danger",
    "referred_to": "danger",
    "postponed": "info",
    "cancelled": "secondary",
    "held": "dark",
    "closure": "danger",
    "reopening": "success",
}


def display(obj: models.Model, name: str) -> str:
    """One field of a record as the reader sees it: labels for choices, local times, masked
    numbers, place names in the reader's script."""
    field = obj._meta.get_field(name)
    if isinstance(field, EncryptedTextField):
        return obj.masked(name) or "—"
    value = getattr(obj, name)
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    if field.many_to_many:
        return "、".join(str(v) for v in value.all()) or "—"
    if name == "area":
        return in_script(value.name, get_language())
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date | dt.time):
        return value.strftime("%H:%M") if isinstance(value, dt.time) else value.isoformat()
    return str(value)


class Tabs:
    """The app's lists as tabs, for every page of the app."""

    def tabs(self, current: str) -> list[dict]:
        user = self.request.user
        return [
            {
                "label": label,
                "url": reverse(f"patrols:{key}_list"),
                "active": key == current,
            }
            for key, label, perm in TABS
            if user.has_perm(perm)
        ]


class ListView(Tabs, kit.KitListView):
    template_name = "patrols/list.html"
    results_template = "patrols/_results.html"
    actions_template = "patrols/_actions.html"

    def dispatch(self, request, *args, **kwargs):
        self.title = self.title or capfirst(self.kit.model._meta.verbose_name_plural)
        return super().dispatch(request, *args, **kwargs)

    def extra_context(self) -> dict:
        name = self.meta.model_name
        meta = self.kit.model._meta
        headers = []
        for column in LAYOUT[name]["columns"]:
            field_name, _colon, sort_key = column.partition(":")
            headers.append(
                {"label": capfirst(meta.get_field(field_name).verbose_name), "key": sort_key}
            )
        user = self.request.user
        return {
            "tabs": self.tabs(name),
            "headers": headers,
            "add_url": self.url("create") if user.has_perm(self.kit.perm("add")) else "",
            "add_label": _("Add %(what)s") % {"what": meta.verbose_name},
            "import_url": self._import_url() if user.has_perm(self.kit.perm("add")) else "",
            "empty_text": _("No %(what)s match.") % {"what": meta.verbose_name_plural},
        }

    def _import_url(self) -> str:
        try:
            return self.url("import")
        except Exception:  # noqa: BLE001 - the list has no import page
            return ""

    def decorate(self, objects):
        objects = super().decorate(objects)
        layout = LAYOUT[self.meta.model_name]
        title, meta_fields, badge = layout["card"]
        for obj in objects:
            obj.cells = [display(obj, c.partition(":")[0]) for c in layout["columns"]]
            obj.card_title = display(obj, title)
            obj.card_meta = " · ".join(display(obj, f) for f in meta_fields)
            obj.badge = display(obj, badge) if badge else ""
            obj.badge_class = BADGES.get(getattr(obj, badge, ""), "secondary") if badge else ""
            obj.url = self.url("detail", obj)
        return objects


class VenueListView(ListView):
    """Venues with their status today, derived from their orders."""

    def decorate(self, objects):
        objects = super().decorate(objects)
        for venue in objects:
            closed = venue.state == VenueOrder.Kind.CLOSURE
            venue.badge = _("closed down") if closed else _("in business")
            venue.badge_class = "danger" if closed else "success"
        return objects


class DetailView(Tabs, kit.KitDetailView):
    """A record's fields, its sections (see ``sections``), its history."""

    template_name = "patrols/detail.html"
    section_template = ""

    def get_crumbs(self, obj):
        return [
            {
                "label": capfirst(self.meta.verbose_name_plural),
                "url": self.url("list"),
            }
        ]

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        shown = context["object"]
        kit_ = self.kit
        rows = [
            (capfirst(obj._meta.get_field(name).verbose_name), display(shown, name))
            for name in kit_.fields
        ]
        return {
            **context,
            "tabs": self.tabs(self.meta.model_name),
            "rows": rows,
            "edit_url": self.url("edit", obj),
            "delete_url": self._maybe_url("delete", obj),
            "title": str(obj),
            "section_template": self.section_template,
        }

    def _maybe_url(self, page: str, obj) -> str:
        try:
            return self.url(page, obj)
        except Exception:  # noqa: BLE001 - no such page for this model
            return ""


class VenueDetailView(DetailView):
    section_template = "patrols/_venue_sections.html"

    def get_context_data(self, obj):
        user = self.request.user
        orders = list(selectors.venue_orders(actor=user, venue=obj))
        today = timezone.localdate()
        in_force = [o for o in orders if o.effective_date <= today]
        closed = bool(in_force) and in_force[-1].kind == VenueOrder.Kind.CLOSURE
        return {
            **super().get_context_data(obj),
            "orders": orders,
            "inspections": list(selectors.venue_inspections(actor=user, venue=obj)[:50]),
            "closed": closed,
            "since": in_force[-1].effective_date if in_force else None,
            "may_add_order": user.has_perm("patrols.add_venueorder"),
            "may_add_inspection": user.has_perm("patrols.add_venueinspection"),
        }


class CeremonyDetailView(DetailView):
    section_template = "patrols/_ceremony_sections.html"

    def get_context_data(self, obj):
        user = self.request.user
        return {
            **super().get_context_data(obj),
            "follow_ups": list(selectors.ceremony_follow_ups(actor=user, ceremony=obj)[:50]),
            "timeline": selectors.status_timeline(obj),
            "may_add_follow_up": user.has_perm("patrols.add_followup"),
        }


class ReferForm(forms.Form):
    referred_at = forms.DateTimeField(
        label=gettext_lazy("Referred at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    police_station = forms.CharField(label=gettext_lazy("Police station"), max_length=100)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ConcludeForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)


class ViolationDetailView(DetailView):
    section_template = "patrols/_violation_sections.html"

    def get_context_data(self, obj, refer_form=None, conclude_form=None):
        context = super().get_context_data(obj)
        initial = {
            "version": obj.version,
            "referred_at": timezone.localtime()
            .replace(second=0, microsecond=0)
            .strftime("%Y-%m-%dT%H:%M"),
        }
        return {
            **context,
            "timeline": selectors.status_timeline(obj),
            "refer_form": refer_form or ReferForm(initial=initial),
            "conclude_form": conclude_form or ConcludeForm(initial={"version": obj.version}),
            "may_refer": context["can_change"] and obj.status == Violation.Status.RECORDED,
            "may_conclude": context["can_change"] and obj.status != Violation.Status.CONCLUDED,
        }


class ViolationActionView(ViolationDetailView):
    """POST: refer the case to the police, or conclude it; errors shown on the case's page."""

    http_method_names = ["post"]
    step = ""

    def post(self, request, *args, **kwargs):
        violation = self.get_object(action="change")
        form_class = ReferForm if self.step == "refer" else ConcludeForm
        form = form_class(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if self.step == "refer":
                    services.violation_refer(
                        actor=request.user, violation=violation, expected_version=version, **data
                    )
                else:
                    services.violation_conclude(
                        actor=request.user, violation=violation, expected_version=version, **data
                    )
            except StaleVersion:
                messages.error(request, _("The case was changed meanwhile; check it again."))
                return redirect("patrols:violation_detail", pk=violation.pk)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("patrols:violation_detail", pk=violation.pk)
        forms_ = {"refer_form" if self.step == "refer" else "conclude_form": form}
        context = self.get_context_data(violation, **forms_)
        return self.respond(self.template_name, context, status=400)


class _PrefillCreate(kit.KitCreateView):
    """A create page opened from a parent record's page (``?venue=`` / ``?ceremony=``): the
    parent is filled in (if the user may see it) and the user returns to it."""

    parent = ""

    def _parent(self):
        pk = self.request.GET.get(self.parent, "")
        if not pk.isdigit():
            return None
        model = self.kit.model._meta.get_field(self.parent).related_model
        return model.objects.restrict(self.request.user, "view").filter(pk=int(pk)).first()

    def get_initial(self):
        parent = self._parent()
        return {self.parent: parent.pk} if parent else {}

    def get_success_url(self, obj):
        parent_id = getattr(obj, f"{self.parent}_id")
        return reverse(f"patrols:{self.parent}_detail", args=[parent_id])

    def get_cancel_url(self, obj):
        parent = self._parent()
        if parent is not None:
            return reverse(f"patrols:{self.parent}_detail", args=[parent.pk])
        return super().get_cancel_url(obj)


class VenueOrderCreateView(_PrefillCreate):
    parent = "venue"

    def get_initial(self):
        initial = super().get_initial()
        kind = self.request.GET.get("kind", "")
        if kind in VenueOrder.Kind.values:
            initial["kind"] = kind
        return initial


class InspectionCreateView(_PrefillCreate):
    parent = "venue"

    def get_initial(self):
        return {**super().get_initial(), "inspected_on": timezone.localdate()}


class FollowUpCreateView(_PrefillCreate):
    parent = "ceremony"

    def get_initial(self):
        return {**super().get_initial(), "visited_on": timezone.localdate()}
