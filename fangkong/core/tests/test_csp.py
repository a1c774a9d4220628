"""The Content-Security-Policy: strict header on pages, and no template that would need it
relaxed (inline scripts, on*= handlers, style attributes)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATE_ROOTS = [Path(settings.BASE_DIR) / "fangkong"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"\sstyle\s*=", re.I)


def _templates():
    for root in TEMPLATE_ROOTS:
        yield from root.rglob("templates/**/*.html")


@pytest.mark.django_db
def test_pages_carry_a_strict_policy(client, commander):
    client.force_login(commander)
    response = client.get("/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_login_page_carries_it_too(client):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_no_template_needs_inline_code():
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for what, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("on*= handler", HANDLER),
            ("style attribute", STYLE_ATTR),
        ):
            if pattern.search(text):
                found.append(f"{path.relative_to(settings.BASE_DIR)}: {what}")
    assert list(_templates()), "no templates found"
    assert not found, found


def test_the_checker_sees_inline_code():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert HANDLER.search('<button onclick="x()">')
    assert STYLE_ATTR.search('<div style="width: 3%">')


@pytest.mark.django_db
def test_api_docs_need_a_login(client, commander):
    assert client.get("/api/v1/docs").status_code == 302
    assert client.get("/api/v1/openapi.json").status_code == 302
    client.force_login(commander)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
