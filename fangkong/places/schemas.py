"""API shapes of areas (households' are derived by the kit: ``core.kit.api``)."""

from datetime import datetime

from ninja import Field, Schema

from fangkong.core.api_schemas import DbId, InputSchema, QuerySchema, register_output
from fangkong.places.models import Area


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


register_output(Area, AreaOut)
