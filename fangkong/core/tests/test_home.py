"""The home page: real counts for the user's own area, nothing from elsewhere."""

from django.urls import reverse

from fangkong.places.models import Household


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_grid_worker_sees_own_grid_counts(client, grid_worker, person_in, person_out):
    Household.objects.create(area=grid_worker.grants.get().area, number="002", address="2号")
    client.force_login(grid_worker)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [area.name for area, _counts in rows] == ["东湖村一组"]
    assert response.context["total_persons"] == 1  # person_out lives in another town
    assert response.context["total_households"] == 2
    content = response.content.decode()
    assert "东湖村一组" in content and "南湾村" not in content
    assert 'action="/people/search/"' in content


def test_commander_sees_whole_district(client, commander, person_in, person_out):
    client.force_login(commander)
    response = client.get(reverse("home"))
    assert [area.name for area, _counts in response.context["rows"]] == ["大通湖区"]
    assert response.context["total_persons"] == 2
    assert response.context["total_households"] == 2
    levels = dict(response.context["by_level"])
    assert sum(levels.values()) == 8  # the whole test district: 1 + 2 towns + 2 villages + 3 grids


def test_auditor_sees_areas_but_no_person_figures(client, readonly, person_in):
    client.force_login(readonly)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not response.context["can_persons"]
    content = response.content.decode()
    assert 'data-stat="persons"' not in content
    assert "/people/search/" not in content


def test_user_without_grants_is_told_so(client, db):
    from fangkong.core.testing import make_user

    client.force_login(make_user("nobody"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "alert-warning" in response.content.decode()
