"""API shapes of areas and households (input validation beyond types is the services' job)."""

from datetime import datetime

from ninja import Field, Schema

from fangkong.core.api_schemas import AreaRef, DbId, InputSchema, QuerySchema, register_output
from fangkong.places.models import Area, Household


class AreaOut(Schema):
    id: int
    version: int
    code: str
    name: str
    level: int = Field(description="1 district, 2 town, 3 village, 4 community, 5 grid.")
    level_display: str
    parent_id: int | None
    path: str
    description: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_level_display(obj) -> str:
        return str(obj.get_level_display())


class AreaCreateIn(InputSchema):
    code: str = Field(max_length=20, description="Official division code, digits only.")
    name: str = Field(max_length=60)
    level: int = Field(
        ge=1, le=5, description="1 district, 2 town, 3 village, 4 community, 5 grid."
    )
    parent_id: DbId | None = None
    description: str = Field("", max_length=200)


class AreaPatchIn(InputSchema):
    version: int = Field(ge=1, description="The version the client last read.")
    code: str | None = Field(None, max_length=20)
    name: str | None = Field(None, max_length=60)
    parent_id: DbId | None = None
    description: str | None = Field(None, max_length=200)


class AreaFilters(QuerySchema):
    """The query parameters of places.filtersets.AreaFilterSet."""

    q: str | None = Field(None, max_length=100, description="Name contains, or code starts with.")
    level: int | None = Field(None, ge=1, le=5)
    parent: DbId | None = Field(None, description="Direct children of this area.")
    ordering: str | None = Field(
        None, max_length=100, description="path, name or code; '-' for descending."
    )


class HouseholdOut(Schema):
    id: int
    version: int
    number: str
    address: str
    head_name: str
    note: str
    area: AreaRef
    created_at: datetime
    updated_at: datetime


class HouseholdCreateIn(InputSchema):
    area_id: DbId = Field(description="The grid the household is registered in.")
    number: str = Field(max_length=30)
    address: str = Field(max_length=200)
    head_name: str = Field("", max_length=50)
    note: str = Field("", max_length=200)


class HouseholdPatchIn(InputSchema):
    version: int = Field(ge=1, description="The version the client last read.")
    area_id: DbId | None = None
    number: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=200)
    head_name: str | None = Field(None, max_length=50)
    note: str | None = Field(None, max_length=200)


class HouseholdFilters(QuerySchema):
    """The query parameters of places.filtersets.HouseholdFilterSet."""

    q: str | None = Field(
        None,
        max_length=100,
        description="Household number or head's name starts with, address contains.",
    )
    area: DbId | None = Field(None, description="Households in this area and below it.")
    ordering: str | None = Field(
        None, max_length=100, description="number, address or created; '-' for descending."
    )


register_output(Area, AreaOut)
register_output(Household, HouseholdOut)
