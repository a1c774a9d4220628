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
