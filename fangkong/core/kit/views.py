"""Scoped list / detail / create / edit / delete / history / import pages from a ``ModelKit``.

``kit_urls(kit)`` gives a module all of them with conventional URL names (``<model>_list``,
``_detail``, ``_create``, ``_edit``, ``_delete``, ``_history``, ``_import``); a module passes
``views={"detail": MyDetailView}`` to replace one (a subclass overriding a hook) or ``None`` to
leave it out. Every page:

- fetches its record with ``get_scoped_object_or_404`` for the page's action: "not yours" and
  "not there" answer the same 404, and the refusal is logged;
- writes only through the kit's ``create``/``update``/``delete`` (the services, which re-check
  the scope after the write);
- answers ``Cache-Control: no-store`` when the model holds personal numbers.

Built on Django's ``View`` rather than neapolitan's ``CRUDView``: neapolitan saves the
ModelForm itself and looks records up unscoped, the two things this kit must never do, so
little of it would have remained.
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views import View

from fangkong.core.exceptions import StaleVersion
from fangkong.core.exports import EXPORTERS
from fangkong.core.generic import (
    ImportView,
    ScopedListView,
    apply_validation_error,
    get_scoped_object_or_404,
    history_entries,
    no_store,
    soft_delete_page,
    with_masked,
)
from fangkong.core.kit import ModelKit, ip_kwargs
from fangkong.core.kit.forms import KitForm, kit_form_class
from fangkong.core.signals import log_denied


class KitMixin(LoginRequiredMixin):
    """What every kit page knows: its kit, the action it needs, how to fetch its record."""

    kit: ModelKit | None = None
    action = "view"

    @property
    def meta(self):
        return self.kit.model._meta

    def url_name(self, page: str) -> str:
        prefix = f"{self.kit.url_namespace}:" if self.kit.url_namespace else ""
        return f"{prefix}{self.meta.model_name}_{page}"

    def url(self, page: str, obj: models.Model | None = None) -> str:
        return reverse(self.url_name(page), args=[obj.pk] if obj is not None else [])

    def require(self, action: str) -> None:
        perm = self.kit.perm(action)
        if not self.request.user.has_perm(perm):
            log_denied(self.request, perm)
            raise PermissionDenied

    def get_queryset(self) -> models.QuerySet:
        queryset = self.kit.model.objects.all()
        related = self.kit.options.get("select_related")
        return queryset.select_related(*related) if related else queryset

    def get_object(self, pk=None, action: str | None = None) -> models.Model:
        return get_scoped_object_or_404(
            self.kit.model,
            self.request.user,
            action or self.action,
            self.kwargs.get("pk") if pk is None else pk,
            request=self.request,
            queryset=self.get_queryset(),
        )

    def get_crumbs(self, obj: models.Model | None) -> list[dict]:
        """Hook: breadcrumbs above the page (e.g. the record's area path)."""
        return []

    def may(self, action: str, obj: models.Model) -> bool:
        return self.kit.model.objects.restrict(self.request.user, action).filter(pk=obj.pk).exists()

    def respond(self, template: str, context: dict, status: int = 200) -> HttpResponse:
        response = render(self.request, template, {"kit": self.kit, **context}, status=status)
        return no_store(response) if getattr(self.kit.model, "SENSITIVE", None) else response


class KitDetailView(KitMixin, View):
    """A record, its history, and what the user may do with it."""

    template_name = ""

    def get_template_names(self) -> str:
        return self.template_name or f"{self.meta.app_label}/{self.meta.model_name}_detail.html"

    def get_context_data(self, obj: models.Model) -> dict:
        shown = with_masked([obj])[0]
        return {
            "object": shown,
            self.meta.model_name: shown,
            "crumbs": [*self.get_crumbs(obj), {"label": str(obj), "url": ""}],
            "history": history_entries(obj, self.request.user),
            "can_change": self.may("change", obj),
            "can_delete": self.may("delete", obj),
        }

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.respond(self.get_template_names(), self.get_context_data(obj))


class KitFormView(KitMixin, View):
    """Shared by create and edit: a ModelForm parsed, the service called, errors all at once."""

    template_name = "core/generic/form.html"
    form_class: type[KitForm] | None = None

    def get_form_class(self) -> type[KitForm]:
        return self.form_class or kit_form_class(self.kit)

    def get_form(self, data=None, *, instance=None, initial=None) -> KitForm:
        return self.get_form_class()(
            data,
            instance=instance,
            initial=initial,
            actor=self.request.user,
            action="add" if instance is None else "change",
        )

    def get_title(self, obj) -> str:
        raise NotImplementedError

    def get_cancel_url(self, obj) -> str:
        return self.url("detail", obj) if obj is not None else self.url("list")

    def get_success_url(self, obj) -> str:
        return self.url("detail", obj)

    def saved(self, obj, data: dict) -> None:
        """Hook after a successful save (warnings about accepted input, …)."""

    def check_all(self, form: KitForm, obj) -> None:
        """After field errors, ask the service about the fields that did parse, so the user
        sees the check-digit and phone errors with the "required" ones, not on a second try."""
        if self.kit.check is None:
            return
        try:
            self.kit.check(
                actor=self.request.user,
                data=form.service_data(),
                exclude_pk=obj.pk if obj is not None else None,
                **ip_kwargs(self.kit.check, self.request),
            )
        except ValidationError as exc:
            # The errors themselves, not their messages: their codes stay (has_error(code=…)).
            by_field = exc.error_dict if hasattr(exc, "error_dict") else {"__all__": exc.error_list}
            for name, errors in by_field.items():
                if name in form.errors:
                    continue  # the form's own message for that field says it already
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)

    def context(self, form, obj, **extra) -> dict:
        return {
            "form": form,
            "title": self.get_title(obj),
            "crumbs": self.get_crumbs(obj),
            "cancel_url": self.get_cancel_url(obj),
            **extra,
        }

    def write(self, form: KitForm, obj):
        raise NotImplementedError

    def handle(self, obj, initial=None):
        request = self.request
        if request.method != "POST":
            form = self.get_form(instance=obj, initial=initial)
            return self.respond(self.template_name, self.context(form, obj))
        form = self.get_form(request.POST, instance=obj, initial=initial)
        if form.is_valid():
            data = form.service_data()
            try:
                saved = self.write(form, obj)
            except StaleVersion as exc:
                current = self.get_object(exc.current.pk)
                fresh = self.get_form(instance=current)
                conflict = {"conflict": True, "my_changes": my_changes(form, fresh)}
                return self.respond(
                    self.template_name, self.context(fresh, current, **conflict), status=409
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                self.saved(saved, data)
                return redirect(self.get_success_url(saved))
        else:
            self.check_all(form, obj)
        return self.respond(self.template_name, self.context(form, obj), status=400)


class KitCreateView(KitFormView):
    action = "add"

    def get_title(self, obj) -> str:
        return _("Add %(what)s") % {"what": self.meta.verbose_name}

    def get_initial(self) -> dict:
        """Hook: initial values (e.g. from the page the user came from)."""
        return {}

    def write(self, form, obj):
        saved = self.kit.create(
            actor=self.request.user,
            data=form.service_data(),
            **ip_kwargs(self.kit.create, self.request),
        )
        messages.success(self.request, _("%(what)s added.") % {"what": capfirst(str(saved))})
        return saved

    def get(self, request, *args, **kwargs):
        self.require("add")
        return self.handle(None, self.get_initial())

    post = get


class KitUpdateView(KitFormView):
    action = "change"

    def get_title(self, obj) -> str:
        return _("Edit %(what)s") % {"what": obj}

    def get_crumbs(self, obj):
        detail = {"label": str(obj), "url": self.url("detail", obj)} if obj else None
        return [*super().get_crumbs(obj), *([detail] if detail else [])]

    def write(self, form, obj):
        saved = self.kit.update(
            actor=self.request.user,
            obj=obj,
            expected_version=form.cleaned_data.get("version"),
            data=form.service_data(),
            **ip_kwargs(self.kit.update, self.request),
        )
        messages.success(self.request, _("Saved."))
        return saved

    def get(self, request, *args, **kwargs):
        return self.handle(self.get_object())

    post = get


def my_changes(form: forms.Form, fresh: forms.Form) -> list[tuple[str, str]]:
    """What the user typed that differs from the current record, shown beside it after a
    version conflict. Protected numbers are never echoed back."""
    mine = []
    for name, value in (getattr(form, "cleaned_data", None) or {}).items():
        field = form.fields.get(name)
        if name == "version" or field is None or getattr(field, "secret", False):
            continue
        now = fresh.initial.get(name)
        if _comparable(field, value) == _comparable(field, now):
            continue
        if value in (None, "", [], ()):
            value = "—"
        elif isinstance(value, list | tuple | models.QuerySet):
            value = "、".join(str(v) for v in value)
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            value = dict(field.choices).get(value, value)
        elif isinstance(field, forms.BooleanField):
            value = _("yes") if value else _("no")
        mine.append((field.label, value))
    return mine


def _comparable(field: forms.Field, value) -> object:
    value = field.prepare_value(value)
    if isinstance(value, list | tuple | models.QuerySet):
        return sorted(str(getattr(v, "pk", v)) for v in value)
    if value in (None, ""):
        return ""
    return str(getattr(value, "pk", value))


class KitDeleteView(KitMixin, View):
    """Soft delete with a reason, guarded by the version the user saw."""

    action = "delete"

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return soft_delete_page(
            request,
            obj,
            delete=partial(self.kit.delete, actor=request.user, obj=obj),
            title=_("Delete %(what)s") % {"what": obj},
            detail_url=self.url("detail", obj),
            done_url=self.url("list"),
            done_message=_("Deleted; the record stays in the change history."),
        )

    post = get


class KitHistoryView(KitMixin, View):
    template_name = "core/generic/history_page.html"

    def get(self, request, *args, **kwargs):
        self.require("view")
        obj = self.get_object()
        return self.respond(
            self.template_name,
            {
                "object": obj,
                self.meta.model_name: obj,
                "title": _("Change history"),
                "crumbs": [*self.get_crumbs(obj), {"label": str(obj), "url": ""}],
                "detail_url": self.url("detail", obj),
                "history": history_entries(obj, request.user, limit=500),
            },
        )


class KitListView(KitMixin, ScopedListView):
    """The list with filters, sorting, paging and export, from the kit's selector and
    FilterSet. Templates: ``<app>/_<model>_results.html`` and ``_<model>_actions.html``."""

    def dispatch(self, request, *args, **kwargs):
        meta = self.meta
        self.filterset_class = self.filterset_class or self.kit.filterset
        self.permission = self.permission or self.kit.perm("view")
        self.title = self.title or capfirst(meta.verbose_name_plural)
        self.results_template = (
            self.results_template or f"{meta.app_label}/_{meta.model_name}_results.html"
        )
        self.actions_template = (
            self.actions_template or f"{meta.app_label}/_{meta.model_name}_actions.html"
        )
        key = self.exporter_key or f"{meta.app_label}.{self.kit.api_path}"
        self.exporter_key = key if key in EXPORTERS else ""
        return super().dispatch(request, *args, **kwargs)

    def base_queryset(self):
        return self.kit.selector(actor=self.request.user)

    def decorate(self, objects):
        return with_masked(objects)


class KitImportView(KitMixin, ImportView):
    def dispatch(self, request, *args, **kwargs):
        meta = self.meta
        self.importer_key = self.importer_key or f"{meta.app_label}.{self.kit.api_path}"
        self.permission = self.permission or self.kit.perm("add")
        self.title = self.title or _("Import %(what)s") % {"what": meta.verbose_name_plural}
        self.back_url_name = self.back_url_name or self.url_name("list")
        return super().dispatch(request, *args, **kwargs)


DEFAULT_VIEWS = {
    "list": ("", KitListView),
    "create": ("new/", KitCreateView),
    "import": ("import/", KitImportView),
    "detail": ("<int:pk>/", KitDetailView),
    "edit": ("<int:pk>/edit/", KitUpdateView),
    "delete": ("<int:pk>/delete/", KitDeleteView),
    "history": ("<int:pk>/history/", KitHistoryView),
}


def kit_urls(kit: ModelKit, views: dict | None = None, *, prefix: str = "") -> list:
    """URL patterns of a kit's pages, named ``<model>_<page>``.

    ``views`` replaces a page's view class (given the kit) or function, or leaves it out with
    ``None``; ``prefix`` puts them below a path (``"households/"``).
    """
    views = views or {}
    unknown = set(views) - set(DEFAULT_VIEWS)
    if unknown:
        raise ValueError(f"unknown kit pages: {sorted(unknown)}")
    patterns = []
    for page, (route, default) in DEFAULT_VIEWS.items():
        view = views.get(page, default)
        if view is None:
            continue
        if isinstance(view, type) and issubclass(view, View):
            view = view.as_view(kit=kit)
        patterns.append(path(prefix + route, view, name=f"{kit.model._meta.model_name}_{page}"))
    return patterns
