"""Schema pieces every API module shares: error bodies, ids, inputs, pagination, 409 bodies.

A new module's ``schemas.py`` builds on these so that every endpoint answers in the same shape:
``{"detail", "errors"}`` for errors, ``{"count", "page", "page_size", "results"}`` for lists.
"""

import json
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from ninja import Field, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import ConfigDict, create_model, field_validator

from fangkong.core.paging import LIST_COUNT_CAP, capped_count
from fangkong.core.validators import validate_text

# Primary keys are 64-bit. A larger number in a path, query or body would overflow the database
# driver (a 500 on SQLite) instead of simply not being found, so pydantic refuses it first.
MAX_DB_ID = 2**63 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 200


def _refuse_controls(value: Any, *, multiline: bool) -> Any:
    """Invisible control characters are refused with ``core.validators.validate_text``'s message
    (PostgreSQL cannot even store NUL: a DataError, a 500). Request bodies may carry line breaks
    for multi-line fields; the model check in the service refuses them in one-line fields."""
    if isinstance(value, str):
        try:
            validate_text(value, multiline=multiline)
        except DjangoValidationError as exc:
            raise ValueError(exc.messages[0]) from None
    elif isinstance(value, list | tuple | set):
        for item in value:
            _refuse_controls(item, multiline=multiline)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_controls(key, multiline=False)
            _refuse_controls(item, multiline=multiline)
    return value


class InputSchema(Schema):
    """Base of every request body: unknown fields are refused, not silently ignored.

    A client that sends ``area`` instead of ``area_id`` learns about it at once instead of
    finding later that its change was dropped.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _refuse_controls(value, multiline=True)


class QuerySchema(Schema):
    """Base of list query parameters: page and page size, no control characters."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
    page_size: int = Field(
        settings.NINJA_PAGINATION_PER_PAGE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Rows per page (1–{MAX_PAGE_SIZE}).",
    )

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _refuse_controls(value, multiline=False)

    def filter_data(self) -> dict[str, Any]:
        """The FilterSet's input: every given filter, without the paging parameters."""
        data = self.model_dump(exclude_none=True, exclude={"page", "page_size"})
        return {key: value for key, value in data.items() if value != ""}


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        default_factory=dict, description="Messages per input field; '__all__' for the rest."
    )


class ConflictOut(Schema):
    detail: str
    current: dict[str, Any] = Field(description="The record as it is stored now.")


class DeleteIn(InputSchema):
    reason: str = Field(max_length=200, description="Why the record is deleted (kept in history).")
    version: int = Field(ge=1, description="The version the client last read.")


class AreaRef(Schema):
    id: int
    code: str
    name: str


# Responses documented on every authenticated route (the handlers in api_errors make them).
ERROR_RESPONSES: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
OBJECT_ERROR_RESPONSES: dict[int, type[Schema]] = {**ERROR_RESPONSES, 404: ErrorOut}
WRITE_ERROR_RESPONSES: dict[int, type[Schema]] = {**OBJECT_ERROR_RESPONSES, 409: ConflictOut}

_page_models: dict[type, type[Schema]] = {}


def paginated(item: type[Schema]) -> type[Schema]:
    """The list wrapper ``{"count", "count_capped", "page", "page_size", "results": [...]}``.

    ``count_capped`` is true when a search found more than ``count`` and stopped counting."""
    if item not in _page_models:
        name = item.__name__.removesuffix("Out") + "Page"
        _page_models[item] = create_model(
            name,
            __base__=Schema,
            count=(int, ...),
            count_capped=(bool, False),
            page=(int, ...),
            page_size=(int, ...),
            results=(list[item], ...),
        )
    return _page_models[item]


def paginate(
    queryset, *, page: int, page_size: int, count_cap: int | None = None
) -> dict[str, Any]:
    """Slice an already scoped and filtered queryset; a page past the end is simply empty.

    Counting stops at ``count_cap`` (searches) or ``LIST_COUNT_CAP`` (lists), and
    ``count_capped`` says so: an exact count of a district grows with it on every call."""
    start = (page - 1) * page_size
    count, capped = capped_count(queryset, LIST_COUNT_CAP if count_cap is None else count_cap)
    return {
        "count": count,
        "count_capped": capped,
        "page": page,
        "page_size": page_size,
        "results": list(queryset[start : start + page_size]),
    }


# Model -> output schema, so that a 409 can show "current" in the same shape as a read.
_output_schemas: dict[type[models.Model], type[Schema]] = {}


def register_output(model: type[models.Model], schema: type[Schema]) -> None:
    """Declare the schema a record of ``model`` is shown with (used for 409 ``current``)."""
    _output_schemas[model] = schema


def serialize(obj: models.Model) -> dict[str, Any]:
    """The record as its registered output schema shows it (masked like every read)."""
    for cls in type(obj).__mro__:
        schema = _output_schemas.get(cls)
        if schema is not None:
            return to_json_data(schema.from_orm(obj).model_dump(by_alias=True))
    return {"id": obj.pk, "version": getattr(obj, "version", None)}


def to_json_data(data: Any) -> Any:
    """Plain JSON values exactly as ninja's renderer writes them (dates, decimals, UUIDs)."""
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))
