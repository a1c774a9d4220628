"""Person registry screens on the module kit; the person-only pages (search, reveal, duplicates,
merge) beside them. Thin: parse, call a selector or service, render.

Full ID and phone numbers travel only in POST bodies (search, reveal, forms), never in a URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from fangkong.core.exceptions import StaleVersion
from fangkong.core.generic import apply_validation_error, client_ip, no_store, with_masked
from fangkong.core.kit import views as kit
from fangkong.core.sensitive import can_view_sensitive
from fangkong.core.signals import log_denied
from fangkong.people import selectors, services
from fangkong.people.forms import MergeForm, RevealForm, SearchForm
from fangkong.people.models import Person
from fangkong.places import selectors as place_selectors
from fangkong.places.models import Household
from fangkong.places.views import AreaCrumbs

_LONG_NUMBER_HINT = gettext_lazy(
    "For your protection, full ID and phone numbers are searched only with the search form, "
    "never through the address bar. Type the number into the search box below."
)


def _age(birth) -> int | None:
    if not birth:
        return None
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class PersonListView(kit.KitListView):
    template_name = "people/person_list.html"

    def base_queryset(self):
        return super().base_queryset().prefetch_related("tags")


class PersonDetailView(AreaCrumbs, kit.KitDetailView):
    def get_context_data(self, obj):
        user = self.request.user
        return {
            **super().get_context_data(obj),
            "age": _age(obj.birth_date),
            "fellows": with_masked(selectors.household_fellows(actor=user, person=obj)),
            "merged_from": selectors.person_merged_from(actor=user, person=obj),
            "tags": list(obj.tags.all()),
            "may_reveal": can_view_sensitive(user, obj),
            "reveal_form": RevealForm(),
        }


class PersonRevealView(PersonDetailView):
    """Show the full numbers once, in this response only, after logging who and why."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        person = self.get_object()
        context = {**self.get_context_data(person), "reveal_form": RevealForm(request.POST)}
        form = context["reveal_form"]
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
        status = 200 if form.is_valid() else 400
        return self.respond(self.get_template_names(), context, status=status)


class _WarnRegion:
    def saved(self, obj, data):
        for warning in services.region_warnings(data.get("id_number", "")):
            messages.warning(self.request, warning)


class PersonCreateView(_WarnRegion, AreaCrumbs, kit.KitCreateView):
    """Register a person; from a household's page ("add member") the household, its grid and
    address are filled in and the user returns to the household."""

    template_name = "people/person_form.html"

    def context(self, form, obj, **extra):
        # "Already registered elsewhere" (services._duplicate_error): link the transfer request.
        if form.is_bound and form.has_error("id_number", "duplicate_elsewhere"):
            extra.setdefault("transfer_url", reverse("people:transfer_new"))
        return super().context(form, obj, **extra)

    def get_title(self, obj):
        return _("Register a person")

    @cached_property
    def household(self) -> Household | None:
        pk = self.request.GET.get("household", "")
        households = place_selectors.household_list(actor=self.request.user)
        return households.filter(pk=int(pk)).first() if pk.isdigit() else None

    def get_initial(self):
        h = self.household
        return {"area": h.area_id, "household": h.pk, "current_address": h.address} if h else {}

    def get_cancel_url(self, obj):
        h = self.household
        return reverse("places:household_detail", args=[h.pk]) if h else super().get_cancel_url(obj)

    def get_success_url(self, obj):
        if self.household and obj.household_id == self.household.pk:
            return self.get_cancel_url(obj)
        return super().get_success_url(obj)


class PersonUpdateView(_WarnRegion, AreaCrumbs, kit.KitUpdateView):
    pass


class PersonHistoryView(kit.KitHistoryView):
    """History of a record, including one merged into another (soft-deleted, so no detail)."""

    template_name = "people/person_history.html"

    def get_queryset(self):
        return Person.all_objects.filter(deleted_at__isnull=True) | Person.all_objects.filter(
            merged_into__isnull=False
        )


class PersonImportView(kit.KitImportView):
    title = gettext_lazy("Import persons")


def _get_person(request, pk, action="view") -> Person:
    return kit.get_scoped_object_or_404(Person, request.user, action, pk, request=request)


@login_required
@require_http_methods(["GET", "POST"])
def person_search(request):
    """The village worker's search box. Results come only in the POST response."""
    if not request.user.has_perm("people.view_person"):
        log_denied(request, "people.view_person")
        raise PermissionDenied
    results = None
    form = SearchForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        query = form.cleaned_data["q"]
        try:
            results = with_masked(selectors.person_search(actor=request.user, query=query)[:50])
        except ValidationError as exc:
            form.add_error("q", exc)
        else:
            services.log_number_search(
                actor=request.user, query=query, found=results, ip=client_ip(request)
            )
    elif sum(ch.isdigit() for ch in request.GET.get("q", "")) >= 7:
        messages.warning(request, _LONG_NUMBER_HINT)
    response = render(request, "people/person_search.html", {"form": form, "results": results})
    return no_store(response)


@login_required
def person_duplicates(request):
    if not request.user.has_perm("people.change_person"):
        log_denied(request, "people.change_person")
        raise PermissionDenied
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
