"""Person registry screens. Thin: parse, call a selector or service, render.

Full ID and phone numbers travel only in POST bodies (search, reveal, forms), never in a URL.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.exceptions import StaleVersion
from fangkong.core.generic import (
    ImportView,
    ScopedListView,
    apply_validation_error,
    client_ip,
    get_scoped_object_or_404,
    history_entries,
    no_store,
    soft_delete_page,
    stale_conflict_context,
    with_masked,
)
from fangkong.core.sensitive import can_view_sensitive
from fangkong.core.signals import log_denied
from fangkong.core.text import in_script
from fangkong.people import exporters as _exporters  # noqa: F401  (registers the exporter)
from fangkong.people import importers as _importers  # noqa: F401  (registers the importer)
from fangkong.people import selectors, services
from fangkong.people.filtersets import PersonFilterSet
from fangkong.people.forms import MergeForm, PersonForm, RevealForm, SearchForm
from fangkong.people.models import Person
from fangkong.places import selectors as place_selectors
from fangkong.places.models import Household

_LONG_NUMBER_HINT = gettext_lazy(
    "For your protection, full ID and phone numbers are searched only with the search form, "
    "never through the address bar. Type the number into the search box below."
)


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        log_denied(request, perm)
        raise PermissionDenied


def _area_crumbs(request, area) -> list[dict]:
    lang = get_language()
    crumbs = [{"label": _("Areas"), "url": reverse("places:area_browser")}]
    for node, visible in place_selectors.area_breadcrumb(actor=request.user, area=area):
        crumbs.append(
            {
                "label": in_script(node.name, lang),
                "url": reverse("places:area_detail", args=[node.pk]) if visible else "",
            }
        )
    return crumbs


def _age(birth: dt.date | None) -> int | None:
    if not birth:
        return None
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class PersonListView(ScopedListView):
    filterset_class = PersonFilterSet
    exporter_key = "people.persons"
    title = gettext_lazy("Persons")
    template_name = "people/person_list.html"
    results_template = "people/_person_results.html"
    actions_template = "people/_person_actions.html"
    permission = "people.view_person"

    def base_queryset(self):
        return selectors.person_list(actor=self.request.user).prefetch_related("tags")

    def decorate(self, objects):
        return with_masked(objects)


@login_required
@require_http_methods(["GET", "POST"])
def person_search(request):
    """The village worker's search box. Results come only in the POST response."""
    _require(request, "people.view_person")
    results = None
    if request.method == "POST":
        form = SearchForm(request.POST)
        if form.is_valid():
            query = form.cleaned_data["q"]
            try:
                found = selectors.person_search(actor=request.user, query=query)
                results = with_masked(found[:50])
            except ValidationError as exc:
                form.add_error("q", exc)
            else:
                services.log_number_search(
                    actor=request.user, query=query, found=results, ip=client_ip(request)
                )
    else:
        form = SearchForm()
        q = request.GET.get("q", "")
        if sum(ch.isdigit() for ch in q) >= 7:
            messages.warning(request, _LONG_NUMBER_HINT)
    response = render(request, "people/person_search.html", {"form": form, "results": results})
    return no_store(response)


def _detail_context(request, person: Person) -> dict:
    user = request.user
    return {
        "person": with_masked([person])[0],
        "age": _age(person.birth_date),
        "fellows": with_masked(selectors.household_fellows(actor=user, person=person)),
        "merged_from": selectors.person_merged_from(actor=user, person=person),
        "crumbs": [*_area_crumbs(request, person.area), {"label": person.name, "url": ""}],
        "history": history_entries(person, user),
        "tags": list(person.tags.all()),
        "may_reveal": can_view_sensitive(user, person),
        "reveal_form": RevealForm(),
        "can_change": Person.objects.restrict(user, "change").filter(pk=person.pk).exists(),
        "can_delete": Person.objects.restrict(user, "delete").filter(pk=person.pk).exists(),
    }


def _get_person(request, pk, action="view") -> Person:
    return get_scoped_object_or_404(
        Person,
        request.user,
        action,
        pk,
        request=request,
        queryset=Person.objects.select_related("area", "household", "household__area"),
    )


@login_required
def person_detail(request, pk: int):
    person = _get_person(request, pk)
    return render(request, "people/person_detail.html", _detail_context(request, person))


@login_required
@require_POST
def person_reveal(request, pk: int):
    """Show the full numbers once, in this response only, after logging who and why."""
    person = _get_person(request, pk)
    form = RevealForm(request.POST)
    context = _detail_context(request, person)
    if not context["may_reveal"]:
        log_denied(request, "reveal person")
        raise PermissionDenied
    if form.is_valid():
        try:
            context["revealed"] = services.person_reveal(
                actor=request.user,
                person=person,
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
    context["reveal_form"] = form
    return no_store(
        render(
            request, "people/person_detail.html", context, status=200 if form.is_valid() else 400
        )
    )


def _person_initial(person: Person) -> dict:
    return {
        "name": person.name,
        "area": person.area_id,
        "household_number": person.household.number if person.household_id else "",
        "relation": person.relation,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "current_address": person.current_address,
        "registered_residence": person.registered_residence,
        "is_resident": person.is_resident,
        "tags": [t.pk for t in person.tags.all()],
        "version": person.version,
    }


def _form_to_data(request, form: PersonForm, person: Person | None) -> tuple[dict, list]:
    """Turn the form into service data; a household number is resolved in the chosen grid."""
    cd = form.cleaned_data
    data = {
        k: cd[k]
        for k in (
            "name",
            "area",
            "relation",
            "current_address",
            "registered_residence",
            "is_resident",
        )
    }
    for secret in ("id_number", "phone"):
        if cd[secret].strip() or person is None:
            data[secret] = cd[secret].strip()
    has_id = bool(data.get("id_number") or (person is not None and person.id_number))
    if not has_id:
        data["sex"], data["birth_date"] = cd["sex"], cd["birth_date"]
    data["household"] = None
    if cd["household_number"].strip():
        try:
            data["household"] = place_selectors.household_by_number(
                actor=request.user, area=cd["area"], number=cd["household_number"]
            )
        except Household.DoesNotExist:
            raise ValidationError(
                {
                    "household_number": _("There is no household %(n)s in %(grid)s.")
                    % {"n": cd["household_number"], "grid": cd["area"].name}
                }
            ) from None
    return data, list(cd["tags"])


def _warn_region(request, data: dict) -> None:
    for warning in services.region_warnings(data.get("id_number", "")):
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    _require(request, "people.add_person")
    areas = place_selectors.areas_with_perm(actor=request.user, perm="people.add_person")
    initial = {}
    household_pk = request.GET.get("household", "")
    if household_pk.isdigit():
        try:
            household = place_selectors.household_get(actor=request.user, pk=int(household_pk))
        except Household.DoesNotExist:
            household = None
        if household is not None:
            initial = {"area": household.area_id, "household_number": household.number}
    form = PersonForm(request.POST or None, initial=initial, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            data, tags = _form_to_data(request, form, None)
            person = services.person_create(actor=request.user, data=data, tags=tags)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _warn_region(request, data)
            messages.success(request, _("%(name)s registered.") % {"name": person.name})
            return redirect("people:person_detail", pk=person.pk)
    return no_store(
        render(
            request,
            "core/generic/form.html",
            {
                "form": form,
                "title": _("Register a person"),
                "cancel_url": reverse("people:person_list"),
            },
            status=400 if form.errors else 200,
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk: int):
    person = _get_person(request, pk, "change")
    areas = place_selectors.areas_with_perm(actor=request.user, perm="people.change_person")
    masked = {"id_number": person.masked("id_number"), "phone": person.masked("phone")}

    def make_form(*args, **kwargs):
        return PersonForm(*args, areas=areas, masked=masked, **kwargs)

    form = make_form(request.POST or None, initial=_person_initial(person))
    context = {
        "title": _("Edit %(name)s") % {"name": person.name},
        "crumbs": [
            *_area_crumbs(request, person.area),
            {"label": person.name, "url": reverse("people:person_detail", args=[pk])},
        ],
        "cancel_url": reverse("people:person_detail", args=[pk]),
    }
    if request.method == "POST" and form.is_valid():
        try:
            data, tags = _form_to_data(request, form, person)
            services.person_update(
                actor=request.user,
                person=person,
                expected_version=form.cleaned_data["version"],
                data=data,
                tags=tags,
            )
        except StaleVersion as exc:
            current = _get_person(request, exc.current.pk, "change")
            masked.update(id_number=current.masked("id_number"), phone=current.masked("phone"))
            context.update(stale_conflict_context(form, current, _person_initial, make_form))
            return no_store(render(request, "core/generic/form.html", context, status=409))
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            _warn_region(request, data)
            messages.success(request, _("Saved."))
            return redirect("people:person_detail", pk=pk)
    return no_store(
        render(
            request,
            "core/generic/form.html",
            {**context, "form": form},
            status=400 if form.errors else 200,
        )
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_delete(request, pk: int):
    person = _get_person(request, pk, "delete")
    return soft_delete_page(
        request,
        person,
        delete=partial(services.person_delete, actor=request.user, person=person),
        title=_("Delete a person's record"),
        detail_url=reverse("people:person_detail", args=[pk]),
        done_url=reverse("people:person_list"),
        done_message=_("Record deleted."),
    )


@login_required
def person_history(request, pk: int):
    """History of a record, including one merged into another (soft-deleted, so no detail)."""
    _require(request, "people.view_person")
    person = get_scoped_object_or_404(
        Person,
        request.user,
        "view",
        pk,
        request=request,
        queryset=Person.all_objects.filter(deleted_at__isnull=True)
        | Person.all_objects.filter(merged_into__isnull=False),
    )
    return render(
        request,
        "people/person_history.html",
        {"person": person, "history": history_entries(person, request.user)},
    )


@login_required
def person_duplicates(request):
    _require(request, "people.change_person")
    groups = [with_masked(group) for group in selectors.person_duplicates(actor=request.user)]
    return render(request, "people/person_duplicates.html", {"groups": groups})


@login_required
@require_http_methods(["GET", "POST"])
def person_merge(request):
    """Confirm, then merge ``drop`` into ``keep``; both histories stay."""
    source = request.POST if request.method == "POST" else request.GET
    keep = _get_person(request, source.get("keep"), "change")
    drop = _get_person(request, source.get("drop"), "delete")
    form = MergeForm(
        request.POST or None, initial={"keep_version": keep.version, "drop_version": drop.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.person_merge(
                actor=request.user,
                keep=keep,
                drop=drop,
                reason=form.cleaned_data["reason"],
                keep_version=form.cleaned_data["keep_version"],
                drop_version=form.cleaned_data["drop_version"],
            )
        except StaleVersion:
            # Show both records as they are now, with their new versions, to confirm again.
            messages.error(
                request,
                _("One of the records was changed meanwhile. Check both again, then merge."),
            )
            return redirect(f"{reverse('people:person_merge')}?keep={keep.pk}&drop={drop.pk}")
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The records were merged."))
            return redirect("people:person_detail", pk=kept.pk)
    keep, drop = with_masked([keep, drop])
    return render(request, "people/person_merge.html", {"form": form, "keep": keep, "drop": drop})


class PersonImportView(ImportView):
    importer_key = "people.persons"
    permission = "people.add_person"
    title = gettext_lazy("Import persons")
    back_url_name = "people:person_list"
