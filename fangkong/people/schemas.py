"""API shapes of persons beyond the kit's CRUD schemas (``core.kit.api`` derives those from the
model): the search by number and the logged reveal of plain numbers."""

from ninja import Field, Schema

from fangkong.core.api_schemas import InputSchema

# Field descriptions for the derived schemas (the model's verbose names say the rest).
PERSON_DESCRIPTIONS = {
    "sex": "M, F, or empty when unknown.",
    "id_number": "Resident ID (GB 11643); checksum is checked.",
    "id_number_masked": "e.g. 430903********123X",
    "phone": "Mainland mobile number.",
    "phone_masked": "e.g. 138****5678",
    "id_region_unknown": "The ID's region code is not in the current list (maybe retired).",
    "area_id": "Grid or village; defaults to the household's grid.",
}


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
