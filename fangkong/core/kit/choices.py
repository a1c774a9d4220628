"""Search-as-you-type choices: a scoped JSON endpoint per model and the widget that uses it.

A choice list that grows with the data (households, the area tree of a district) is never put
into a page as ``<option>``s: at a million persons the person list's filter form alone was
24.7 MB. ``SearchSelect`` renders a text box, a hidden input holding the chosen id, and the one
chosen label; ``fangkong/choices.js`` asks ``/choices/<app>.<model>/?q=`` for at most
``LIMIT`` matches the user may see. Where the choices are few (a grid worker's own grids) it
renders an ordinary ``<select>``, indented when the choices form a tree.

A module registers a source per model (``register_source``); the endpoint answers only from
``Model.objects.restrict(user, "view")``, narrowed further by the ``perm`` (areas where the user
holds that permission) and ``levels`` parameters — never widened by them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from fangkong.core.generic.objects import no_store

LIMIT = 20  # matches per answer: enough to pick from, small enough for a phone on 2G
SHORT_LIST = 30  # up to this many choices a plain <select> is friendlier than a search box
MAX_QUERY = 40


@dataclass(frozen=True)
class ChoiceSource:
    """How to search one model's records and how to label them."""

    model_key: str  # "places.household"
    # (queryset, query, request params) -> queryset of matches, best first
    search: Callable[[models.QuerySet, str, dict], models.QuerySet]
    # (records, language) -> labels in the same order (batched: labels may need one lookup)
    labels: Callable[[list, str | None], list[str]]
    # (queryset, request params) -> narrowed queryset; only ever narrows
    narrow: Callable[[models.QuerySet, object, dict], models.QuerySet] | None = None
    # Labels of a short list: indented tree labels for areas, else the same as ``labels``
    option_labels: Callable[[list, str | None], list[str]] | None = None
    # Called on the endpoint's final queryset (select_related for labels, an ordering, …)
    prepare: Callable[[models.QuerySet], models.QuerySet] | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_key)


_SOURCES: dict[str, ChoiceSource] = {}


def register_source(source: ChoiceSource) -> ChoiceSource:
    _SOURCES[source.model_key] = source
    return source


def source_for(model: type[models.Model]) -> ChoiceSource | None:
    return _SOURCES.get(model._meta.label_lower)


def matches(source: ChoiceSource, user, query: str, params: dict) -> tuple[list, bool]:
    """At most ``LIMIT`` records of ``source`` matching ``query`` that ``user`` may view, and
    whether there are more."""
    queryset = source.model.objects.restrict(user, "view")
    if source.narrow is not None:
        queryset = source.narrow(queryset, user, params)
    if source.prepare is not None:
        queryset = source.prepare(queryset)
    found = source.search(queryset, query.strip()[:MAX_QUERY], params)
    if isinstance(found, models.QuerySet):
        found = found[: LIMIT + 1]
    rows = list(found)[: LIMIT + 1]
    return rows[:LIMIT], len(rows) > LIMIT


@login_required
@require_GET
def choices_view(request: HttpRequest, key: str) -> JsonResponse:
    """``GET /choices/<app>.<model>/?q=…``: ``{"results": [{"id", "label"}], "more": bool}``.

    Labels name households and their heads: personal data, so never cached.
    """
    source = _SOURCES.get(key.lower())
    if source is None:
        raise Http404
    params = {k: v for k, v in request.GET.items() if k != "q"}
    rows, more = matches(source, request.user, request.GET.get("q", ""), params)
    labels = source.labels(rows, get_language())
    results = [{"id": row.pk, "label": label} for row, label in zip(rows, labels, strict=True)]
    return no_store(JsonResponse({"results": results, "more": more}))


class SearchSelect(forms.Widget):
    """A model choice typed and searched, not listed; a ``<select>`` while the list is short.

    ``ModelChoiceField`` gives the widget its (scoped) queryset through ``choices``; the widget
    reads at most ``SHORT_LIST + 1`` rows of it, or only the chosen row, never the whole list.
    ``params`` are sent to the endpoint (``perm``, ``levels``); ``include`` names another field
    of the form whose value is sent along (households of the chosen ``area``).
    """

    template_name = "core/widgets/search_select.html"
    select_template_name = "core/widgets/tree_select.html"

    def __init__(self, source: ChoiceSource, *, include: str = "", attrs=None, params=None):
        super().__init__(attrs)
        self.source = source
        self.include = include
        self.params = dict(params or {})
        self.choices = ()

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.params = copy.copy(self.params)
        return obj

    def _queryset(self):
        return getattr(self.choices, "queryset", None)

    def format_value(self, value):
        if value in (None, ""):
            return ""
        value = getattr(value, "pk", value)
        return str(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        value = widget["value"]
        queryset = self._queryset()
        lang = get_language()
        css = widget["attrs"].pop("class", "form-control")
        first = list(queryset[: SHORT_LIST + 1]) if queryset is not None else []
        if queryset is not None and len(first) <= SHORT_LIST:
            labeller = self.source.option_labels or self.source.labels
            widget["short"] = True
            widget["css"] = css.replace("form-control", "form-select")
            widget["options"] = [
                (str(obj.pk), label, str(obj.pk) == value)
                for obj, label in zip(first, labeller(first, lang), strict=True)
            ]
            return context
        chosen = None
        if value.isdigit() and queryset is not None:
            chosen = queryset.filter(pk=int(value)).first()
        params = {k: v for k, v in self.params.items() if v not in (None, "")}
        widget.update(
            short=False,
            css=css,
            label=self.source.labels([chosen], lang)[0] if chosen else "",
            value=str(chosen.pk) if chosen else "",
            url=reverse("choices", args=[self.source.model_key]),
            params=params,
            include=self.include,
            limit=LIMIT,
        )
        return context

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        template = (
            self.select_template_name if context["widget"].get("short") else self.template_name
        )
        return self._render(template, context, renderer)

    def value_from_datadict(self, data, files, name):
        return data.get(name)
