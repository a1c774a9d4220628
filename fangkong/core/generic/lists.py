"""Scoped list views: filter, sort, paginate, export exactly what is listed."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect, render
from django.views import View

from fangkong.core.exports import (
    EXPORTERS,
    Exporter,
)
from fangkong.core.generic.exports import (
    ExportForm,
    export_action,
    export_response,
    filter_labels,
    filter_params,
    offers_unmasked,
)
from fangkong.core.generic.objects import (
    PAGE_SIZE,
    is_htmx,
)
from fangkong.core.paging import CappedPaginator, kept_total
from fangkong.core.signals import log_denied

# --------------------------------------------------------------------------- lists


# The free-text filter every list puts first; on a phone it stays visible, the rest fold away.
SEARCH_FIELD = "q"


class ScopedListView(LoginRequiredMixin, View):
    """A list of scoped records: filter, sort, paginate, export the filtered list.

    Subclasses set ``filterset_class``, ``exporter_key``, ``title``, ``results_template`` (the
    table/cards partial, also returned alone to htmx requests) and implement ``base_queryset``
    by calling the app's selector (scoped to the user).
    """

    filterset_class = None
    exporter_key: str = ""
    title = ""
    template_name = "core/generic/list.html"
    results_template = ""
    permission: str = ""  # e.g. "people.view_person": users without it get 404-like refusal
    paginate_by = PAGE_SIZE
    actions_template = ""  # extra buttons (create, import) beside the title

    def base_queryset(self) -> models.QuerySet:
        raise NotImplementedError

    def check_access(self) -> None:
        if self.permission and not self.request.user.has_perm(self.permission):
            log_denied(self.request, f"list {self.permission}")
            raise PermissionDenied

    def get_filterset(self):
        return self.filterset_class(
            self.request.GET or None,
            queryset=self.base_queryset(),
            actor=self.request.user,
            request=self.request,
        )

    @property
    def exporter(self) -> Exporter | None:
        return EXPORTERS.get(self.exporter_key) if self.exporter_key else None

    def extra_context(self) -> dict:
        return {}

    def decorate(self, objects: list) -> list:
        """Hook to prepare the page's records for display (e.g. ``with_masked``)."""
        return objects

    def exact_count(self, filterset) -> int | None:
        """The kept total when the list shows every record in scope (no filter at all), so an
        unfiltered district list still says exactly how many; ``None`` means count (capped)."""
        if any(v for k, v in self.request.GET.items() if k not in ("page", "ordering")):
            return None
        return kept_total(actor=self.request.user, model=filterset.queryset.model)

    def get(self, request, *args, **kwargs):
        self.check_access()
        filterset = self.get_filterset()
        queryset = filterset.qs
        page = CappedPaginator(
            queryset, self.paginate_by, exact_count=self.exact_count(filterset)
        ).get_page(request.GET.get("page"))
        context = {
            "title": self.title,
            "filterset": filterset,
            "filter_form": filterset.form,
            "page_obj": page,
            "objects": self.decorate(list(page.object_list)),
            "results_template": self.results_template,
            "actions_template": self.actions_template,
            "exporter": self.exporter,
            "offers_unmasked": offers_unmasked(request.user, self.exporter),
            "export_form": ExportForm(),
            "export_action": export_action(request),
            "export_filters": filter_labels(filterset) if self.exporter else [],
            "ordering_choices": _ordering_choices(filterset),
            "current_ordering": request.GET.get("ordering", ""),
            # On a phone the filters beyond the search box fold away unless one is in use.
            "filters_open": bool(filterset.form.errors)
            or any(request.GET.get(name) for name in filterset.form.fields if name != SEARCH_FIELD),
            "search_field": SEARCH_FIELD,
            **self.extra_context(),
        }
        template = "core/generic/list_results.html" if is_htmx(request) else self.template_name
        return render(request, template, context)

    def post(self, request, *args, **kwargs):
        """POST to the list URL (filters in its query string) exports what the list shows."""
        self.check_access()
        if "export" not in request.POST or self.exporter is None:
            return redirect(request.get_full_path())
        filterset = self.get_filterset()
        return export_response(
            request, self.exporter, filter_params(request), filterset.qs, filterset=filterset
        )


def _ordering_choices(filterset) -> list[tuple[str, str]]:
    ordering = filterset.filters.get("ordering")
    if ordering is None:
        return []
    return [(value, str(label)) for value, label in ordering.field.choices if value]
