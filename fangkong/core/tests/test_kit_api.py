"""The API router factory (``core.kit.api``): schemas derived from each kit, and what one
create costs in SQL."""

import json

import django_filters
import pydantic
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.fields import EncryptedTextField
from fangkong.core.kit import all_kits
from fangkong.core.kit.api import KitApi, api_fields
from fangkong.core.testing import make_id_number, make_phone
from fangkong.core.tokens import token_create

KITS = [kit for kit in all_kits() if kit.api_path]


@pytest.mark.parametrize("kit", KITS, ids=lambda k: k.key)
def test_api_filters_are_the_filtersets_filters(kit):
    """The list's query parameters are exactly the FilterSet's filters (plus paging), so the
    API and the pages cannot drift apart."""
    filters = KitApi(kit, register=False).filters
    assert set(filters.model_fields) == set(kit.filterset.base_filters) | {"page", "page_size"}
    for name, flt in kit.filterset.base_filters.items():
        if isinstance(flt, django_filters.ModelChoiceFilter):  # an id, checked as one
            with pytest.raises(pydantic.ValidationError):
                filters.model_validate({name: 0})


@pytest.mark.parametrize("kit", KITS, ids=lambda k: k.key)
def test_encrypted_fields_go_in_plain_and_come_out_masked_only(kit):
    api = KitApi(kit, register=False)
    encrypted = [f.name for f in kit.model._meta.fields if isinstance(f, EncryptedTextField)]
    for name in encrypted:
        assert name not in api.output.model_fields
        assert f"{name}_masked" in api.output.model_fields
        if name in kit.fields:
            assert name in api.create_in.model_fields
    for f in api_fields(kit):
        assert f.api_name in api.create_in.model_fields and f.api_name in api.patch_in.model_fields
    assert api.create_in.model_config["extra"] == "forbid"
    assert "version" in api.patch_in.model_fields


def _statements(ctx) -> list[str]:
    # Savepoints exist only because the test runs inside a transaction.
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


@pytest.mark.django_db
def test_one_create_costs_a_fixed_handful_of_statements(client, commander, world):
    """Token and grants read once, no read before the Idempotency-Key insert, no re-fetch of
    the written record, no existence check of keys just resolved, no scope re-check query."""
    token = token_create(actor=commander, name="phone")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def create(**headers):
        body = {
            "name": "甲",
            "id_number": make_id_number(),
            "phone": make_phone(),
            "area_id": world.grid.pk,
            "household_id": world.household.pk,
        }
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/api/v1/persons",
                json.dumps(body),
                content_type="application/json",
                **auth,
                **headers,
            )
        assert response.status_code == 201, response.content
        return _statements(ctx)

    create()  # the token's first use writes last_used_at (then at most once a minute)
    plain = create()
    # token, grants, whole-tree test, area, household, duplicate ID (with its rate-limit count
    # and log), person, history, and the kept per-area count (places.counts); the model's own
    # constraint check would only repeat the duplicate ID query
    assert len(plain) <= 10, "\n".join(plain)
    keyed = create(HTTP_IDEMPOTENCY_KEY="k-1")
    assert len(keyed) <= len(plain) + 2, "\n".join(keyed)  # the key's insert and its answer
    assert sum("core_apitoken" in sql for sql in keyed) == 1
    assert not any("people_tag" in sql for sql in plain)  # tags known, not read back
