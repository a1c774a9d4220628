"""API routes from a ``ModelKit``: list, detail, create, update, delete and a batch create.

``kit_router(kit)`` returns a django-ninja ``Router`` whose handlers stay thin: they parse, call
the kit's selector or services, and answer. Everything is derived from the one declaration:

- **output** (``output_schema``): ``id``, ``version``, the kit's ``fields`` and ``extra_columns``,
  ``created_at``/``updated_at``. An encrypted field appears only as ``<field>_masked`` through the
  model's ``masked()``; the scope foreign key ``area`` as ``{"id", "code", "name"}``; another
  foreign key as ``<name>_id``; a many-to-many field as a list of ``{"id", "name"}``. The schema is
  registered with ``register_output``, so a 409 shows ``current`` in the same shape as a read.
- **input** (``input_schemas``): the kit's ``fields`` on an ``InputSchema`` (unknown fields are
  refused). A foreign key is sent as ``<name>_id`` and resolved within the caller's scope (the
  same "no such ..." for missing and out of scope); a many-to-many field as ``<model>_ids``
  (``tags`` -> ``tag_ids``); an encrypted field as a plain string (in, never out). A patch takes
  the same fields, all optional, plus the ``version`` the client read (409 when stale).
- **filters** (``filter_schema``): the query parameters of the kit's FilterSet, one per filter,
  so that the API and the pages cannot drift apart (``core/tests/test_kit_api.py`` checks it for
  every kit).

Creates honour ``Idempotency-Key``; a kit with ``check`` also gets ``POST /<api_path>/batch``
(``core.kit.batch``). Routes that are not CRUD (a search, a reveal) are added by the module to
the router this returns, in its own ``api.py``.
"""

import functools
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from fangkong.core.api_auth import scoped_get
from fangkong.core.api_errors import api_field_names, validate_filters
from fangkong.core.api_schemas import (
    ERROR_RESPONSES,
    MAX_DB_ID,
    OBJECT_ERROR_RESPONSES,
    WRITE_ERROR_RESPONSES,
    AreaRef,
    DbId,
    DeleteIn,
    InputSchema,
    QuerySchema,
    paginate,
    paginated,
    register_output,
)
from fangkong.core.fields import EncryptedTextField
from fangkong.core.idempotency import IDEMPOTENCY_OPENAPI, idempotent
from fangkong.core.kit import ModelKit, ip_kwargs

# An encrypted value is an ID or phone number, or a short code: the input is refused past this.
ENCRYPTED_MAX_LENGTH = 100
MAX_RELATED_IDS = 50
SCOPE_FIELD = "area"  # the foreign key that places a scoped record (``ScopedModel.area``)

_PLAIN_TYPES: tuple[tuple[type[models.Field], type], ...] = (
    (models.BooleanField, bool),
    (models.DateTimeField, datetime),  # before DateField: a DateTimeField is a DateField
    (models.DateField, date),
    (models.DecimalField, Decimal),
    (models.FloatField, float),
    (models.IntegerField, int),
    (models.UUIDField, UUID),
    (models.CharField, str),
    (models.TextField, str),
)


@dataclass(frozen=True)
class ApiField:
    """One kit field as the API sees it: ``name`` on the model, ``api_name`` on the wire."""

    name: str
    api_name: str
    kind: str  # "text", "encrypted", "fk", "m2m" or "plain"
    field: models.Field

    @property
    def related_model(self) -> type[models.Model] | None:
        return self.field.related_model


def api_fields(kit: ModelKit) -> list[ApiField]:
    """The kit's editable fields with their API names and kinds."""
    out = []
    for name in kit.fields:
        field = kit.model._meta.get_field(name)
        if isinstance(field, EncryptedTextField):
            out.append(ApiField(name, name, "encrypted", field))
        elif field.many_to_many:
            out.append(ApiField(name, f"{field.related_model._meta.model_name}_ids", "m2m", field))
        elif field.many_to_one:
            out.append(ApiField(name, f"{name}_id", "fk", field))
        elif isinstance(field, models.CharField | models.TextField) and not field.choices:
            out.append(ApiField(name, name, "text", field))
        else:
            out.append(ApiField(name, name, "plain", field))
    names = [f.api_name for f in out]
    if len(names) != len(set(names)):
        raise ValueError(f"{kit.key}: two fields share an API name in {names}")
    return out


def _python_type(field: models.Field) -> Any:
    """What the API accepts for ``field``: one of its choices (the stored values, of their own
    type: a response level is the number 1, not "1"), else the column's plain type."""
    if field.choices:
        return Literal[tuple(value for value, _label in field.flatchoices)]
    return _plain_type(field)


def _plain_type(field: models.Field) -> Any:
    for field_class, python_type in _PLAIN_TYPES:
        if isinstance(field, field_class):
            return python_type
    return Any


def _describe(field: models.Field, descriptions: dict[str, str], name: str) -> str | None:
    text = descriptions.get(name) or str(field.help_text or "")
    if not text and field.choices:
        text = ", ".join(f"{value} {label}" for value, label in field.choices)
    return text or None


def _schema_name(kit: ModelKit, suffix: str) -> str:
    return kit.model.__name__ + suffix


_ref_schemas: dict[type[models.Model], type[Schema]] = {}


def _ref_schema(model: type[models.Model]) -> type[Schema]:
    """``{"id", "name"}`` for a related record listed inside another (a person's tags)."""
    if model not in _ref_schemas:
        namespace: dict[str, Any] = {"__annotations__": {"id": int}}
        if any(f.name == "name" for f in model._meta.fields):
            namespace["__annotations__"]["name"] = str
        else:
            namespace["__annotations__"]["name"] = str
            namespace["resolve_name"] = staticmethod(str)
        _ref_schemas[model] = type(Schema)(model.__name__ + "Ref", (Schema,), namespace)
    return _ref_schemas[model]


def _masker(name: str) -> staticmethod:
    def resolve(obj) -> str:
        return obj.masked(name)

    return staticmethod(resolve)


def output_schema(
    kit: ModelKit,
    *,
    extra: Iterable[str] = (),
    descriptions: dict[str, str] | None = None,
    register: bool = True,
) -> type[Schema]:
    """The read shape of the kit's model (masked), registered for 409 answers."""
    descriptions = descriptions or {}
    meta = kit.model._meta
    annotations: dict[str, Any] = {"id": int}
    namespace: dict[str, Any] = {"__annotations__": annotations}
    names = ["version", *kit.fields, *kit.extra_columns, *extra, "created_at", "updated_at"]
    seen: set[str] = set()
    with translation.override("en"):
        for name in names:
            if name in seen or not any(f.name == name for f in meta.get_fields()):
                continue
            seen.add(name)
            field = meta.get_field(name)
            description = _describe(field, descriptions, name)
            if isinstance(field, EncryptedTextField):
                annotations[f"{name}_masked"] = str
                description = descriptions.get(f"{name}_masked", "Masked.")
                namespace[f"{name}_masked"] = Field(description=description)
                namespace[f"resolve_{name}_masked"] = _masker(name)
            elif field.many_to_many:
                annotations[name] = list[_ref_schema(field.related_model)]
            elif field.many_to_one and name == SCOPE_FIELD:
                annotations[name] = AreaRef
            elif field.many_to_one:
                annotations[f"{name}_id"] = int | None if field.null else int
            else:
                # Answers carry the stored value's type; choices are documented, not enforced.
                python_type = _plain_type(field) if field.choices else _python_type(field)
                annotations[name] = python_type | None if field.null else python_type
                if description:
                    namespace[name] = Field(description=description)
    schema = type(Schema)(_schema_name(kit, "Out"), (Schema,), namespace)
    if register:
        register_output(kit.model, schema)
    return schema


def input_schemas(
    kit: ModelKit,
    *,
    optional: Iterable[str] = (),
    descriptions: dict[str, str] | None = None,
) -> tuple[type[InputSchema], type[InputSchema]]:
    """(create, patch) request bodies derived from ``kit.fields``.

    ``optional`` names fields a create may leave out although the model requires them, because
    the service derives them (a person's area from the household)."""
    descriptions = descriptions or {}
    optional = set(optional)
    create: dict[str, Any] = {"__annotations__": {}}
    patch: dict[str, Any] = {
        "__annotations__": {"version": int},
        "version": Field(ge=1, description="The version the client last read."),
    }
    with translation.override("en"):
        for f in api_fields(kit):
            field = f.field
            description = descriptions.get(f.api_name) or _describe(field, descriptions, f.name)
            required = not field.blank and not field.has_default() and f.name not in optional
            max_length = None
            if f.kind == "m2m":
                kind: Any = list[DbId]
                default: Any = Field(
                    default_factory=list, max_length=MAX_RELATED_IDS, description=description
                )
                patch_max = MAX_RELATED_IDS
            else:
                if f.kind == "fk":
                    kind, required = DbId, required and not field.null
                elif f.kind == "text":
                    kind, max_length = str, field.max_length
                elif f.kind == "encrypted":
                    kind, max_length = str, ENCRYPTED_MAX_LENGTH
                else:
                    kind = _python_type(field)
                    if field.choices and field.blank:
                        kind = Literal[(*kind.__args__, "")]
                if required:
                    value: Any = ...
                elif field.has_default():
                    value = field.get_default()
                elif f.kind == "text" or (field.choices and field.blank):
                    value = ""
                else:
                    value = None
                    kind = kind | None
                default = Field(value, max_length=max_length, description=description)
                patch_max = max_length
            create["__annotations__"][f.api_name] = kind
            create[f.api_name] = default
            patch["__annotations__"][f.api_name] = (
                list[DbId] | None if f.kind == "m2m" else (kind | None)
            )
            patch[f.api_name] = Field(None, max_length=patch_max, description=description)
    create_schema = type(InputSchema)(_schema_name(kit, "CreateIn"), (InputSchema,), create)
    patch_schema = type(InputSchema)(_schema_name(kit, "PatchIn"), (InputSchema,), patch)
    return create_schema, patch_schema


def filter_schema(filterset, *, name: str) -> type[QuerySchema]:
    """The list's query parameters, one per filter of ``filterset`` (so they cannot drift)."""
    import django_filters as df

    namespace: dict[str, Any] = {"__annotations__": {}}
    with translation.override("en"):
        for key, flt in filterset.base_filters.items():
            label = str(flt.label or key)
            if isinstance(flt, df.OrderingFilter):
                choices = [value for value, _label in flt.extra.get("choices", ())]
                kind: Any = str
                field = Field(
                    None,
                    max_length=100,
                    description=f"{label}: {', '.join(choices)}; '-' for descending.",
                )
            elif isinstance(flt, df.ModelChoiceFilter | df.ModelMultipleChoiceFilter):
                kind, field = DbId, Field(None, description=label)
            elif isinstance(flt, df.BooleanFilter):
                kind, field = bool, Field(None, description=label)
            elif isinstance(flt, df.DateFilter):
                kind, field = date, Field(None, description=f"{label} (YYYY-MM-DD).")
            elif isinstance(flt, df.NumberFilter):
                kind, field = Decimal, Field(None, description=label)
            else:  # CharFilter, ChoiceFilter and the rest: text checked by the FilterSet
                kind, field = str, Field(None, max_length=100, description=label)
            namespace["__annotations__"][key] = kind | None
            namespace[key] = field
    return type(QuerySchema)(name, (QuerySchema,), namespace)


class KitApi:
    """Schemas and the body-to-``data`` conversion of one kit (used by routes and batches)."""

    def __init__(
        self,
        kit: ModelKit,
        *,
        output: type[Schema] | None = None,
        extra_output: Iterable[str] = (),
        optional: Iterable[str] = (),
        descriptions: dict[str, str] | None = None,
        getter: Callable[..., models.Model] | None = None,
        register: bool = True,
    ):
        self.kit = kit
        self.fields = api_fields(kit)
        self.output = output or output_schema(
            kit, extra=extra_output, descriptions=descriptions, register=register
        )
        if output is not None and register:
            register_output(kit.model, output)
        self.create_in, self.patch_in = input_schemas(
            kit, optional=optional, descriptions=descriptions
        )
        self.filters = (
            filter_schema(kit.filterset, name=_schema_name(kit, "Filters"))
            if kit.filterset
            else None
        )
        # Service (model) field -> the name the client sent, to put messages beside it.
        self.field_names = {f.name: f.api_name for f in self.fields if f.name != f.api_name}
        self.getter = getter or self._default_getter
        self.prefetch = [f.name for f in self.fields if f.kind == "m2m"]

    def _default_getter(self, *, actor, pk: int, action: str = "view") -> models.Model:
        qs = self.kit.model._default_manager.restrict(actor, action)
        return qs.select_related(*_required_fks(self.kit.model)).get(pk=pk)

    # Conversion --------------------------------------------------------------------------------

    def to_data(self, actor, body: dict[str, Any]) -> dict[str, Any]:
        """The API body (only the fields sent) as the services' ``data``: ids become records
        found within ``actor``'s scope; JSON null for a text field means empty."""
        data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for f in self.fields:
            if f.api_name not in body:
                continue
            value = body[f.api_name]
            try:
                converted = self._convert(actor, f, value)
            except ValidationError as exc:
                errors.setdefault(f.api_name, []).extend(exc.messages)
                continue
            if converted is not _SKIP:
                data[f.name] = converted
        if errors:
            raise ValidationError(errors)
        return data

    def _convert(self, actor, f: ApiField, value: Any) -> Any:
        if f.kind in ("text", "encrypted"):
            return "" if value is None else value
        if f.kind == "m2m":
            return _SKIP if value is None else related_many(f.related_model, value)
        if value is None:
            if f.field.null or f.field.blank and f.kind != "fk":
                return None
            raise ValidationError(
                _("Give a %(thing)s; it cannot be empty.") % {"thing": f.field.verbose_name}
            )
        if f.kind == "fk":
            return related_one(actor, f.related_model, value)
        return value


_SKIP = object()


def _required_fks(model: type[models.Model]) -> list[str]:
    """Foreign keys that are never null: joined when a record is fetched, since services and
    masking read them (a person's household's grid)."""
    return [f.name for f in model._meta.fields if f.many_to_one and not f.null]


def _scoped_manager(model: type[models.Model], actor):
    manager = model._default_manager
    if hasattr(manager, "restrict"):
        return manager.restrict(actor, "view").select_related(*_required_fks(model))
    return manager.all()


def related_one(actor, model: type[models.Model], pk: int) -> models.Model:
    """The record ``pk`` of ``model`` if ``actor`` may see it; else the same message for missing
    and out of scope."""
    try:
        return _scoped_manager(model, actor).get(pk=pk)
    except model.DoesNotExist:
        raise ValidationError(
            _("No such %(thing)s in your area of responsibility.")
            % {"thing": model._meta.verbose_name}
        ) from None


def related_many(model: type[models.Model], ids: list[int]) -> list[models.Model]:
    """Records of an unscoped lookup table (tags) by id; unknown ids are named."""
    wanted = set(ids)
    found = list(model._default_manager.filter(pk__in=wanted))
    missing = sorted(wanted - {obj.pk for obj in found})
    if missing:
        raise ValidationError(
            _("No such %(thing)s: %(ids)s.")
            % {"thing": model._meta.verbose_name, "ids": ", ".join(map(str, missing))}
        )
    return found


# Routes -----------------------------------------------------------------------------------------


def _with_path_id(func: Callable, name: str) -> Callable:
    """``func(request, ..., pk)`` exposed with the path parameter ``name`` (``person_id``), so
    the URL pattern and OpenAPI keep the names clients know."""
    signature = inspect.signature(func)
    params = [p.replace(name=name) if p.name == "pk" else p for p in signature.parameters.values()]

    @functools.wraps(func)
    def wrapper(request, **kwargs):
        kwargs["pk"] = kwargs.pop(name)
        return func(request, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=params)
    return wrapper


def _named(func: Callable, name: str, module: str) -> Callable:
    # URL names and OpenAPI operation ids come from the function's name and module.
    func.__name__ = func.__qualname__ = name
    func.__module__ = module
    return func


def kit_router(
    kit: ModelKit,
    *,
    router: Router | None = None,
    tags: list[str] | None = None,
    output: type[Schema] | None = None,
    extra_output: Iterable[str] = (),
    optional: Iterable[str] = (),
    descriptions: dict[str, str] | None = None,
    getter: Callable[..., models.Model] | None = None,
    batch: bool | None = None,
    api: KitApi | None = None,
) -> Router:
    """A router with the kit's CRUD routes under ``/<api_path>``.

    Hooks: ``output`` replaces the derived read schema; ``extra_output`` adds read-only model
    fields to it; ``optional`` relaxes create fields the service derives; ``getter`` is the
    app's ``<noun>_get(*, actor, pk, action)`` selector (default: ``restrict()`` on the model);
    ``batch`` adds ``POST /<api_path>/batch`` (default: when the kit has ``check``); ``api``
    passes a ``KitApi`` built beforehand (instead of the hooks above).

    Custom routes go on a ``router`` passed in: those with a literal segment where the detail
    route has its id (``/persons/search``) must be added *before* this call, since Django tries
    URL patterns in order and ``{person_id}`` would otherwise take "search".
    """
    api = api or KitApi(
        kit,
        output=output,
        extra_output=extra_output,
        optional=optional,
        descriptions=descriptions,
        getter=getter,
    )
    router = router or Router(tags=tags or [kit.model._meta.app_label])
    meta = kit.model._meta
    module = kit.model.__module__.rsplit(".", 1)[0] + ".api"
    base = "/" + kit.api_path
    item = f"{base}/{{{meta.model_name}_id}}"
    pk_name = f"{meta.model_name}_id"
    plural_slug = re.sub(r"\W", "_", kit.api_path)
    Out, CreateIn, PatchIn = api.output, api.create_in, api.patch_in
    masked = " (masked)" if any(f.kind == "encrypted" for f in api.fields) else ""
    with translation.override("en"):
        singular, plural = str(meta.verbose_name), str(meta.verbose_name_plural)
    model = kit.model

    if api.filters is not None and kit.selector is not None:
        Filters = api.filters

        def list_view(request, filters: Query[Filters]):  # type: ignore[valid-type]
            data = filters.filter_data()
            validate_filters(kit.filterset, data, actor=request.auth)
            qs = kit.selector(actor=request.auth, filters=data)
            if api.prefetch:
                qs = qs.prefetch_related(*api.prefetch)
            return paginate(qs, page=filters.page, page_size=filters.page_size)

        router.get(
            base,
            response={200: paginated(Out), **ERROR_RESPONSES},
            summary=f"List {plural} in your jurisdiction{masked}",
        )(_named(list_view, f"list_{plural_slug}", module))

    if kit.create is not None:

        def create_view(request, payload: CreateIn):  # type: ignore[valid-type]
            data = api.to_data(request.auth, payload.model_dump(exclude_unset=True))
            with api_field_names(api.field_names):
                obj = kit.create(actor=request.auth, data=data, **ip_kwargs(kit.create, request))
            return Status(201, obj)

        router.post(
            base,
            response={201: Out, **WRITE_ERROR_RESPONSES},
            openapi_extra=IDEMPOTENCY_OPENAPI,
            summary=f"Register a {singular}",
        )(idempotent(Out)(_named(create_view, f"create_{meta.model_name}", module)))

    # Before the item routes: "/persons/{person_id}" would otherwise take "batch".
    if batch if batch is not None else (kit.check is not None and kit.create is not None):
        from fangkong.core.kit.batch import add_batch_route

        add_batch_route(router, api, base=base, name=f"create_{plural_slug}_batch", module=module)

    def get_view(request, pk: int = Path(..., ge=1, le=MAX_DB_ID)):
        return scoped_get(request, api.getter, model, pk)

    router.get(
        item,
        response={200: Out, **OBJECT_ERROR_RESPONSES},
        summary=f"One {singular}{masked}",
    )(_with_path_id(_named(get_view, f"get_{meta.model_name}", module), pk_name))

    if kit.update is not None:

        def update_view(request, payload: PatchIn, pk: int = Path(..., ge=1, le=MAX_DB_ID)):  # type: ignore[valid-type]
            obj = scoped_get(request, api.getter, model, pk, action="change")
            body = payload.model_dump(exclude_unset=True)
            version = body.pop("version")
            data = api.to_data(request.auth, body)
            with api_field_names(api.field_names):
                return kit.update(
                    actor=request.auth,
                    obj=obj,
                    expected_version=version,
                    data=data,
                    **ip_kwargs(kit.update, request),
                )

        router.patch(
            item,
            response={200: Out, **WRITE_ERROR_RESPONSES},
            summary=f"Change a {singular} (send the version you read; 409 if it is stale)",
        )(_with_path_id(_named(update_view, f"update_{meta.model_name}", module), pk_name))

    if kit.delete is not None:

        def delete_view(request, payload: DeleteIn, pk: int = Path(..., ge=1, le=MAX_DB_ID)):
            obj = scoped_get(request, api.getter, model, pk, action="delete")
            kit.delete(
                actor=request.auth,
                obj=obj,
                reason=payload.reason,
                expected_version=payload.version,
            )
            return Status(204, None)

        router.delete(
            item,
            response={204: None, **WRITE_ERROR_RESPONSES},
            summary=f"Delete a {singular} (soft delete, with a reason)",
        )(_with_path_id(_named(delete_view, f"delete_{meta.model_name}", module), pk_name))

    router.kit_api = api  # the schemas, for the module's own routes and tests
    return router
