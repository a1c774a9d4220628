"""Pages and API answers are gzip-compressed for clients that accept it (phones on slow links);
static files are left to WhiteNoise."""

from __future__ import annotations

import gzip
import json

from django.urls import reverse


def test_pages_are_compressed_for_clients_that_accept_gzip(client, commander, world):
    client.force_login(commander)
    url = reverse("places:area_detail", args=[world.district.pk])
    plain = client.get(url)
    assert plain.status_code == 200 and not plain.has_header("Content-Encoding")
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert packed.status_code == 200
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    # The same page (the CSRF token is masked anew per response: same length, other bytes).
    assert len(gzip.decompress(packed.content)) == len(plain.content)
    assert len(packed.content) < len(plain.content) / 2


def test_api_answers_are_compressed_too(client, commander, person_in):
    from fangkong.core.tokens import token_create

    token = token_create(actor=commander, name="phone")[1]
    response = client.get(
        "/api/v1/persons", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))["results"][0]["name"] == person_in.name
