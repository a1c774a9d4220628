"""Error pages look like the rest of the site; the 500 page renders with no request at all."""

from django.template import loader
from django.urls import reverse


def test_404_uses_the_site_layout(client, grid_worker):
    client.force_login(grid_worker)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "404" in content and 'class="navbar' in content


def test_403_page(client, grid_worker):
    client.force_login(grid_worker)
    response = client.get(reverse("core:user_list"))
    assert response.status_code == 403
    assert "403" in response.content.decode()


def test_500_renders_without_a_request_context(db):
    content = loader.get_template("500.html").render()
    assert "500" in content and "<html" in content


def test_make_run_serves_with_debug_off():
    """The demo (``make run``) must not show Django's debug pages, which list URL patterns."""
    from pathlib import Path

    from django.conf import settings

    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "DEBUG=0 $(MANAGE) runserver" in recipe
    assert "DEBUG=0 $(MANAGE) db_worker" in recipe


def test_a_gone_record_shows_the_project_404_in_the_demo_profile(client, commander, settings):
    """An auditor following a link to a deleted person gets the site's 404 page, with no URL
    patterns, and static files still load (whitenoise from the finders)."""
    settings.DEBUG = False
    client.force_login(commander)
    response = client.get(reverse("people:person_detail", args=[999999]))
    assert response.status_code == 404
    content = response.content.decode()
    assert 'class="navbar' in content
    assert "URLconf" not in content and "people/&lt;int:pk&gt;" not in content
    assert "Using the URLconf" not in content
    assert settings.WHITENOISE_USE_FINDERS


def test_every_page_links_the_favicon(client, commander):
    from django.contrib.staticfiles import finders

    assert finders.find("fangkong/favicon.svg")
    for path in ("/accounts/login/",):
        assert 'rel="icon" href="/static/fangkong/favicon.svg"' in client.get(path).content.decode()
    assert "favicon.svg" in loader.get_template("500.html").render()
