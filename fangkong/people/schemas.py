"""API shapes of persons. Output is always masked; plain numbers only come from /reveal."""

from datetime import date, datetime

from ninja import Field, Schema

from fangkong.core.api_schemas import AreaRef, DbId, InputSchema, QuerySchema, register_output
from fangkong.core.validators import PERSON_NAME_MAX_LENGTH
from fangkong.people.models import Person


class TagOut(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    version: int
    name: str
    sex: str = Field(description="M, F, or empty when unknown.")
    birth_date: date | None
    id_number_masked: str = Field(description="e.g. 430903********123X")
    phone_masked: str = Field(description="e.g. 138****5678")
    id_region_unknown: bool = Field(
        description="The ID's region code is not in the current list (maybe retired)."
    )
    area: AreaRef
    household_id: int | None
    relation: str
    current_address: str
    registered_residence: str
    is_resident: bool
    tags: list[TagOut]
    created_at: datetime
    updated_at: datetime

    # The encrypted fields are read only to mask them: the schema has no plain-number field.
    @staticmethod
    def resolve_id_number_masked(obj) -> str:
        return obj.masked("id_number")

    @staticmethod
    def resolve_phone_masked(obj) -> str:
        return obj.masked("phone")


class PersonCreateIn(InputSchema):
    name: str = Field(max_length=PERSON_NAME_MAX_LENGTH)
    id_number: str | None = Field(
        None, max_length=40, description="Resident ID (GB 11643); checksum is checked."
    )
    phone: str | None = Field(None, max_length=40, description="Mainland mobile number.")
    area_id: DbId | None = Field(
        None, description="Grid or village; defaults to the household's grid."
    )
    household_id: DbId | None = None
    relation: str = Field("", max_length=20)
    current_address: str = Field("", max_length=200)
    registered_residence: str = Field("", max_length=200)
    is_resident: bool = True
    tag_ids: list[DbId] = Field(default_factory=list, max_length=50)


class PersonPatchIn(InputSchema):
    version: int = Field(ge=1, description="The version the client last read.")
    name: str | None = Field(None, max_length=PERSON_NAME_MAX_LENGTH)
    id_number: str | None = Field(None, max_length=40)
    phone: str | None = Field(None, max_length=40)
    area_id: DbId | None = None
    household_id: DbId | None = None
    relation: str | None = Field(None, max_length=20)
    current_address: str | None = Field(None, max_length=200)
    registered_residence: str | None = Field(None, max_length=200)
    is_resident: bool | None = None
    tag_ids: list[DbId] | None = Field(None, max_length=50)


class PersonFilters(QuerySchema):
    """The query parameters of people.filtersets.PersonFilterSet.

    ``q`` takes a name, pinyin initials (``zs``) or the last four digits of an ID or phone;
    full numbers are refused here and searched with ``POST /persons/search``.
    """

    q: str | None = Field(None, max_length=100)
    area: DbId | None = Field(None, description="Persons in this area and below it.")
    household: DbId | None = None
    sex: str | None = Field(None, max_length=1, description="M or F.")
    is_resident: bool | None = None
    tag: DbId | None = None
    born_after: date | None = Field(None, description="Born on or after (YYYY-MM-DD).")
    born_before: date | None = Field(None, description="Born on or before (YYYY-MM-DD).")
    ordering: str | None = Field(
        None, max_length=100, description="name, birth_date or created; '-' for descending."
    )


class PersonSearchIn(InputSchema):
    query: str = Field(
        min_length=1,
        max_length=100,
        description="Full or last-four ID or phone number, name, or initials.",
    )
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=200)


class RevealIn(InputSchema):
    reason: str = Field(max_length=200, description="Why the full numbers are needed (logged).")


class RevealOut(Schema):
    id: int
    id_number: str
    phone: str


register_output(Person, PersonOut)
