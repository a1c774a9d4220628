"""Area browser, area and household screens. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fangkong.core.exceptions import StaleVersion
from fangkong.core.generic import (
    ImportView,
    ScopedListView,
    apply_validation_error,
    get_scoped_object_or_404,
    is_htmx,
    stale_conflict_context,
    with_masked,
)
from fangkong.core.kit import views as kit
from fangkong.core.paging import CappedPaginator
from fangkong.core.signals import log_denied
from fangkong.core.text import in_script
from fangkong.places import exporters as _exporters  # noqa: F401  (registers exporters)
from fangkong.places import importers as _importers  # noqa: F401  (registers importers)
from fangkong.places import selectors, services
from fangkong.places.filtersets import AreaFilterSet
from fangkong.places.forms import AreaForm
from fangkong.places.models import Area


def _crumbs(request, area: Area | None, *, last_link: bool = False) -> list[dict]:
    from django.utils.translation import get_language

    crumbs = [{"label": _("Areas"), "url": reverse("places:area_browser")}]
    if area is None:
        return crumbs
    lang = get_language()
    for node, visible in selectors.area_breadcrumb(actor=request.user, area=area):
        crumbs.append(
            {
                "label": in_script(node.name, lang),
                "url": reverse("places:area_detail", args=[node.pk]) if visible else "",
            }
        )
    return crumbs


def _browser_rows(children: list[Area], counts) -> list[dict]:
    """The rows of the area browser, ready to print: a town lists about a hundred villages,
    and per-row ``{% url %}``, ``|script``, ``get_level_display`` and ``|intcomma`` were most
    of the page's time. Labels, links and figures are made here once."""
    from django.utils.formats import number_format
    from django.utils.translation import get_language

    lang = get_language()
    detail = reverse("places:area_detail", args=[0])
    prefix = detail[: detail.rindex("0/")]  # ".../areas/" (pk and slash appended per row)
    levels = dict(Area.Level.choices)
    rows = []
    for child in children:
        kept = counts.get(child.pk, {})
        rows.append(
            {
                "area": child,
                "label": in_script(child.name, lang),
                "level": levels.get(child.level, ""),
                "url": f"{prefix}{child.pk}/",
                **kept,
                "households_shown": number_format(kept.get("households") or 0, force_grouping=True),
                "persons_shown": number_format(kept.get("persons") or 0, force_grouping=True),
            }
        )
    return rows


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        log_denied(request, perm)
        raise PermissionDenied


@login_required
def area_browser(request, pk: int | None = None):
    """District → town → village/community → grid → households, with counts at each level."""
    _require(request, "places.view_area")
    area = None
    if pk is not None:
        area = get_scoped_object_or_404(Area, request.user, "view", pk, request=request)
        children = list(selectors.area_children(actor=request.user, area=area))
    else:
        children = list(selectors.area_roots(actor=request.user))
        if len(children) == 1:
            # One area of responsibility (most users): open it directly.
            return redirect("places:area_detail", pk=children[0].pk)
    counts = selectors.area_counts(actor=request.user, areas=[*children, *([area] if area else [])])
    rows = _browser_rows(children, counts)
    households = None
    if area is not None and area.is_grid and request.user.has_perm("places.view_household"):
        households = CappedPaginator(
            selectors.household_list(actor=request.user, filters={"area": area.pk}), 25
        ).get_page(request.GET.get("page"))
    user = request.user
    context = {
        "area": area,
        "rows": rows,
        "totals": counts.get(area.pk) if area else None,
        "counts_as_of": counts.as_of,
        "crumbs": _crumbs(request, area),
        "page_obj": households,
        "can_add_area": area is not None
        and not area.is_grid
        and user.has_perm("places.add_area")
        and selectors.areas_with_perm(actor=user, perm="places.add_area")
        .filter(pk=area.pk)
        .exists(),
        "can_change_area": area is not None
        and user.has_perm("places.change_area")
        and Area.objects.restrict(user, "change").filter(pk=area.pk).exists(),
        "can_add_household": area is not None
        and area.is_grid
        and Area.objects.filter(pk=area.pk)
        .filter(pk__in=selectors.areas_with_perm(actor=user, perm="places.add_household"))
        .exists(),
        "can_view_people": user.has_perm("people.view_person"),
        "households_title": _("households"),
        "persons_title": _("persons"),
    }
    if is_htmx(request) and households is not None and request.GET.get("page"):
        return render(request, "places/_grid_households.html", context)
    return render(request, "places/area_browser.html", context)


def _area_form_parents(user):
    return selectors.areas_with_perm(actor=user, perm="places.add_area")


@login_required
@require_http_methods(["GET", "POST"])
def area_create(request):
    _require(request, "places.add_area")
    parents = _area_form_parents(request.user)
    initial = {}
    parent_pk = request.GET.get("parent")
    if parent_pk and parent_pk.isdigit():
        parent = parents.filter(pk=parent_pk).first()
        if parent is not None:
            child_levels = sorted(Area.CHILD_LEVELS.get(parent.level, set()))
            initial = {
                "parent": parent.pk,
                "level": child_levels[0] if child_levels else None,
                "code": parent.code,
            }
    form = AreaForm(request.POST or None, initial=initial, parents=parents)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            area = services.area_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                level=data["level"],
                parent=data["parent"],
                description=data["description"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Area %(name)s added.") % {"name": area.name})
            return redirect("places:area_detail", pk=area.pk)
    return render(
        request,
        "core/generic/form.html",
        {
            "form": form,
            "title": _("Add an area"),
            "crumbs": _crumbs(request, None),
            "cancel_url": reverse("places:area_browser"),
        },
    )


def _area_initial(area: Area) -> dict:
    return {
        "code": area.code,
        "name": area.name,
        "level": area.level,
        "parent": area.parent_id,
        "description": area.description,
        "version": area.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request, pk: int):
    _require(request, "places.change_area")
    area = get_scoped_object_or_404(Area, request.user, "change", pk, request=request)
    parents = _area_form_parents(request.user).exclude(path__startswith=area.path)
    if area.parent_id:
        parents = parents | Area.objects.filter(pk=area.parent_id)

    def make_form(*args, **kwargs):
        return AreaForm(*args, parents=parents, **kwargs)

    form = make_form(request.POST or None, initial=_area_initial(area))
    context = {
        "title": _("Edit %(name)s") % {"name": in_script(area.name, request.LANGUAGE_CODE)},
        "crumbs": _crumbs(request, area),
        "cancel_url": reverse("places:area_detail", args=[area.pk]),
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            area = services.area_update(
                actor=request.user,
                area=area,
                expected_version=data["version"],
                code=data["code"],
                name=data["name"],
                level=data["level"],
                parent=data["parent"],
                description=data["description"],
            )
        except StaleVersion as exc:
            context.update(stale_conflict_context(form, exc.current, _area_initial, make_form))
            return render(request, "core/generic/form.html", context, status=409)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("places:area_detail", pk=area.pk)
    return render(request, "core/generic/form.html", {**context, "form": form})


class AreaListView(ScopedListView):
    filterset_class = AreaFilterSet
    exporter_key = "places.areas"
    title = gettext_lazy("Area list")
    results_template = "places/_area_results.html"
    actions_template = "places/_area_actions.html"
    permission = "places.view_area"

    def base_queryset(self):
        return selectors.area_list(actor=self.request.user)


class AreaCrumbs:
    """Kit pages of records in an area: breadcrumbs down the area tree to the record."""

    def get_crumbs(self, obj):
        area = getattr(obj, "area", None)
        return [*_crumbs(self.request, area), *super().get_crumbs(obj)]


class HouseholdDetailView(AreaCrumbs, kit.KitDetailView):
    def get_context_data(self, obj):
        user = self.request.user
        members = selectors.household_members(actor=user, household=obj)
        return {
            **super().get_context_data(obj),
            "members": with_masked(members) if user.has_perm("people.view_person") else None,
            "can_add_person": user.has_perm("people.add_person"),
        }


class HouseholdCreateView(AreaCrumbs, kit.KitCreateView):
    def get_initial(self):
        area = self.request.GET.get("area", "")
        return {"area": area} if area.isdigit() else {}


class HouseholdUpdateView(AreaCrumbs, kit.KitUpdateView):
    pass


class AreaImportView(ImportView):
    importer_key = "places.areas"
    permission = "places.add_area"
    title = gettext_lazy("Import areas")
    back_url_name = "places:area_list"
