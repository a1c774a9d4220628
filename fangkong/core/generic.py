"""Shared list, detail, edit and import machinery for every module's web UI.

A module's views stay thin: they name their FilterSet, selector, exporter and templates and these
helpers do the rest the same way everywhere — jurisdiction scoping (404 for "not yours" and "not
there" alike), filtered/sorted/paginated lists with XLSX export of exactly what is listed,
change history that never reveals protected numbers, conflict handling for stale edits, and
uploads handed to the background worker.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fangkong.core.exceptions import StaleVersion
from fangkong.core.exports import (
    EXPORTERS,
    Exporter,
    export_filename,
    export_needs_job,
    export_rows,
    export_start,
)
from fangkong.core.fields import EncryptedTextField
from fangkong.core.imports import IMPORTERS, Importer, import_start
from fangkong.core.scoping import area_prefix_q, grant_paths
from fangkong.core.sensitive import VIEW_SENSITIVE
from fangkong.core.signals import log_denied

PAGE_SIZE = 25
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- scoping


def get_scoped_object_or_404(
    model: type[models.Model],
    user,
    action: str,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    queryset: models.QuerySet | None = None,
) -> models.Model:
    """The record if ``user`` may ``action`` it; ``Http404`` for out-of-scope and missing alike.

    An existing record outside the user's scope is also written to the security log as a refusal
    (MLPS: access-control refusals are logged), but the answer the user sees is identical.
    ``queryset`` may narrow the lookup (select_related, include soft-deleted rows).
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    base = queryset if queryset is not None else model.objects.all()
    try:
        return base.restrict(user, action).get(pk=pk)
    except model.DoesNotExist:
        pass
    if request is not None and model._base_manager.filter(pk=pk).exists():
        log_denied(request, f"{model._meta.label} #{pk} {action}")
    raise Http404


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def no_store(response: HttpResponse) -> HttpResponse:
    """Pages with unmasked numbers must not stay in a shared phone's browser cache."""
    response["Cache-Control"] = "no-store, private"
    return response


# --------------------------------------------------------------------------- export


class ExportForm(forms.Form):
    unmasked = forms.BooleanField(label=gettext_lazy("Full ID and phone numbers"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("unmasked") and len((data.get("reason") or "").strip()) < 2:
            self.add_error("reason", _("Say why you need the full numbers."))
        return data


def may_export_unmasked(user, queryset: models.QuerySet) -> bool:
    """True if ``user`` holds view-sensitive over the area of every record in ``queryset``."""
    if user.is_superuser:
        return True
    paths = grant_paths(user, VIEW_SENSITIVE)
    if not paths:
        return False
    return not queryset.exclude(area__in=_areas_under(paths)).exists()


def _areas_under(paths: list[str]):
    from fangkong.places.models import Area

    return Area.objects.filter(area_prefix_q(paths)).values("id")


def offers_unmasked(user, exporter: Exporter | None) -> bool:
    """Whether the unmasked option is shown at all (the per-record check comes on export)."""
    if exporter is None or not exporter.sensitive_fields:
        return False
    return user.is_superuser or bool(grant_paths(user, VIEW_SENSITIVE))


def filter_params(request: HttpRequest) -> dict[str, str]:
    """The list's filters from the query string, without pagination and export switches."""
    return {k: v for k, v in request.GET.items() if k not in ("page", "export") and v != ""}


def export_response(
    request: HttpRequest, exporter: Exporter, params: dict, queryset: models.QuerySet
) -> HttpResponse:
    """Export the filtered list: a download if small, else a background job and its page."""
    form = ExportForm(request.POST)
    back = request.get_full_path()
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    unmasked = bool(form.cleaned_data["unmasked"]) and bool(exporter.sensitive_fields)
    reason = form.cleaned_data["reason"].strip()
    if unmasked and not may_export_unmasked(request.user, queryset):
        log_denied(request, f"unmasked export {exporter.key}")
        messages.error(
            request,
            _(
                "You may export full numbers only for records in your own "
                "area of responsibility. Narrow the filter, or export "
                "masked."
            ),
        )
        return redirect(back)
    if export_needs_job(exporter, actor=request.user, params=params):
        job = export_start(
            actor=request.user,
            exporter_key=exporter.key,
            params=params,
            unmasked=unmasked,
            reason=reason,
        )
        messages.info(
            request,
            _(
                "The list is long: it is being exported in the background. "
                "Download it from this page when it is ready."
            ),
        )
        return redirect(reverse("core:job_detail", args=[job.pk]))
    try:
        data = export_rows(
            exporter, actor=request.user, params=params, unmasked=unmasked, reason=reason
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(back)
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _attachment(export_filename(exporter))
    return no_store(response) if unmasked else response


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


# --------------------------------------------------------------------------- lists


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

    def get(self, request, *args, **kwargs):
        self.check_access()
        filterset = self.get_filterset()
        queryset = filterset.qs
        page = Paginator(queryset, self.paginate_by).get_page(request.GET.get("page"))
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
            "ordering_choices": _ordering_choices(filterset),
            "current_ordering": request.GET.get("ordering", ""),
            **self.extra_context(),
        }
        template = self.results_template if is_htmx(request) else self.template_name
        return render(request, template, context)

    def post(self, request, *args, **kwargs):
        """POST to the list URL (filters in its query string) exports what the list shows."""
        self.check_access()
        if "export" not in request.POST or self.exporter is None:
            return redirect(request.get_full_path())
        filterset = self.get_filterset()
        return export_response(request, self.exporter, filter_params(request), filterset.qs)


def _ordering_choices(filterset) -> list[tuple[str, str]]:
    ordering = filterset.filters.get("ordering")
    if ordering is None:
        return []
    return [(value, str(label)) for value, label in ordering.field.choices if value]


# --------------------------------------------------------------------------- history

HIDDEN_HISTORY_FIELDS = {"version", "updated_at", "created_at", "id"}


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""
    secret: bool = False  # an encrypted number: say "changed", never show a value


@dataclass
class HistoryEntry:
    when: Any
    who: str
    kind: str  # "created", "changed", "deleted"
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    record_label: str = ""


def secret_fields(model: type[models.Model]) -> tuple[set[str], set[str]]:
    """(encrypted fields, their blind-index/suffix companions) of ``model``."""
    encrypted = {f.name for f in model._meta.fields if isinstance(f, EncryptedTextField)}
    companions = set()
    for name in encrypted:
        companions |= {f"{name}_bidx", f"{name}_suffix"}
    for _field, spec in getattr(model, "SENSITIVE", {}).items():
        companions |= {spec[0], spec[1]}
    companions |= {
        f.name
        for f in model._meta.fields
        if f.name.endswith(("_bidx", "_suffix")) and f.name not in encrypted
    }
    return encrypted, companions


def _display(model_field, value, user, fk_labels: dict) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.ForeignKey):
        return fk_labels.get((model_field.related_model, value), f"#{value}")
    return str(value)


def _fk_labels(model, records, user) -> dict:
    """Labels of FK targets in the history, looked up within the user's scope only."""
    wanted: dict[type, set] = {}
    for f in model._meta.fields:
        if isinstance(f, models.ForeignKey) and f.name not in ("merged_into",):
            ids = {getattr(r, f.attname) for r in records} - {None}
            if ids:
                wanted.setdefault(f.related_model, set()).update(ids)
    labels = {}
    for related, ids in wanted.items():
        manager = getattr(related, "all_objects", related._base_manager)
        qs = manager.filter(pk__in=ids)
        if hasattr(qs, "restrict") and related._meta.label != "places.Area":
            qs = qs.restrict(user, "view")  # an out-of-scope household's address stays hidden
        for obj in qs:
            labels[(related, obj.pk)] = str(obj)
    return labels


def history_entries(obj: models.Model, user, *, limit: int = 100) -> list[HistoryEntry]:
    """The change history of ``obj`` newest first: who, when, and which fields went old → new.

    Encrypted fields show only "changed"; their blind-index and suffix columns are never shown.
    """
    model = type(obj)
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    encrypted, companions = secret_fields(model)
    fk_labels = _fk_labels(model, records, user)
    fields = {f.name: f for f in model._meta.fields}
    entries = []
    kinds = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
    for i, record in enumerate(records[:limit]):
        entry = HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else _("system"),
            kind=str(kinds.get(record.history_type, record.history_type)),
            reason=record.history_change_reason or "",
        )
        previous = records[i + 1] if i + 1 < len(records) else None
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=HIDDEN_HISTORY_FIELDS)
            secret_changed = set()
            for change in delta.changes:
                name = change.field
                if name in companions:
                    continue
                model_field = fields.get(name)
                if model_field is None:
                    continue
                label = str(model_field.verbose_name)
                if name in encrypted:
                    secret_changed.add(name)
                    entry.changes.append(Change(label, secret=True))
                elif name == "deleted_at":
                    entry.changes.append(
                        Change(_("deleted"), "—", _("yes") if change.new else _("no"))
                    )
                elif name != "deleted_reason":
                    entry.changes.append(
                        Change(
                            label,
                            _display(model_field, change.old, user, fk_labels),
                            _display(model_field, change.new, user, fk_labels),
                        )
                    )
            # A changed blind index means the number changed even if the ciphertext compare
            # could not tell (e.g. rows written before a key rotation).
            for name in encrypted - secret_changed:
                companion = next(
                    (s[0] for f, s in getattr(model, "SENSITIVE", {}).items() if f == name),
                    f"{name}_bidx",
                )
                if hasattr(record, companion) and getattr(record, companion) != getattr(
                    previous, companion
                ):
                    entry.changes.append(Change(str(fields[name].verbose_name), secret=True))
            if getattr(record, "deleted_at", None) and not getattr(previous, "deleted_at", None):
                entry.kind = str(kinds["-"])
                entry.reason = entry.reason or getattr(record, "deleted_reason", "")
        entries.append(entry)
    return entries


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
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
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


# --------------------------------------------------------------------------- imports


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.FANGKONG_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
                % {"size": _size(upload.size), "limit": _size(limit)},
                code="too_large",
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise ValidationError(
                _(
                    "Upload an Excel workbook (.xlsx) or a CSV file; %(name)s is neither. If it "
                    "is an old .xls file, open it in Excel and save it as .xlsx."
                )
                % {"name": Path(upload.name or "?").name},
                code="file_type",
            )
        head = upload.read(8)
        upload.seek(0)
        # Cheap structural checks now, so a wrong file is refused before any job is queued.
        if suffix == ".xlsx":
            ok = head.startswith(b"PK")
            if ok:
                try:
                    with zipfile.ZipFile(upload) as archive:
                        ok = "xl/workbook.xml" in archive.namelist()
                except zipfile.BadZipFile:
                    ok = False
                upload.seek(0)
            if not ok:
                raise ValidationError(
                    _(
                        "This .xlsx file is damaged or is not really an Excel workbook. Open it "
                        "in Excel, save it again as .xlsx and upload that."
                    ),
                    code="broken_file",
                )
        elif b"\x00" in head or head.startswith(b"PK"):
            raise ValidationError(
                _("This is not a text CSV file. Save the sheet as CSV or upload the .xlsx itself."),
                code="broken_file",
            )
        return upload


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, n // 1024)} KB"


class ImportView(LoginRequiredMixin, View):
    """Template download, upload form, then the background import and its job page."""

    importer_key = ""
    permission = ""  # e.g. "people.add_person"
    title = ""
    back_url_name = ""
    template_name = "core/generic/import.html"
    help_text = ""

    @property
    def importer(self) -> Importer:
        return IMPORTERS[self.importer_key]

    def check_access(self):
        if self.permission and not self.request.user.has_perm(self.permission):
            log_denied(self.request, f"import {self.importer_key}")
            raise PermissionDenied

    def render_page(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "title": self.title,
                "form": form,
                "importer": self.importer,
                "columns": self.importer.columns,
                "help_text": self.help_text,
                "back_url": reverse(self.back_url_name) if self.back_url_name else "",
                "max_size": _size(settings.FANGKONG_IMPORT_MAX_BYTES),
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        self.check_access()
        if request.GET.get("template"):
            response = HttpResponse(self.importer.template(), content_type=XLSX_TYPE)
            response["Content-Disposition"] = _attachment(
                _("%(what)s-template") % {"what": self.importer.title} + ".xlsx"
            )
            return response
        return self.render_page(UploadForm())

    def post(self, request, *args, **kwargs):
        self.check_access()
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form, status=400)
        upload = form.cleaned_data["file"]
        job = import_start(
            actor=request.user,
            importer_key=self.importer_key,
            data=upload.read(),
            filename=upload.name,
        )
        messages.info(
            request,
            _(
                "The file was received and is being checked. Nothing is "
                "written unless every row is correct."
            ),
        )
        return redirect(reverse("core:job_detail", args=[job.pk]))


# --------------------------------------------------------------------------- masking


def with_masked(objects) -> list:
    """Attach ``masked_<field>`` to each record with protected fields, for templates.

    Templates never get a raw number to print by mistake: they print ``masked_id_number``.
    """
    items = list(objects)
    for obj in items:
        for name in getattr(obj, "SENSITIVE", {}):
            setattr(obj, f"masked_{name}", obj.masked(name))
    return items
