"""Observation pages: every page renders for the grid worker, outsiders get 404 (guards
proven by tests that fail when the guard goes), the check form and the today list."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fangkong.observation import services
from fangkong.observation.models import HealthCheck, Observation, ReleaseNotice


def _day_before():
    return timezone.localdate() - dt.timedelta(days=1)


def test_the_pages_render_for_the_grid_worker(login, grid_worker, observation, key_person):
    client = login(grid_worker)
    for url in (
        reverse("observation:today"),
        reverse("observation:dashboard"),
        reverse("observation:keyperson_list") + "?needs=any",
        reverse("observation:keyperson_detail", args=[key_person.pk]),
        reverse("observation:keyperson_create"),
        reverse("observation:observation_list"),
        reverse("observation:observation_detail", args=[observation.pk]),
        reverse("observation:record_check", args=[observation.pk]),
        reverse("observation:observation_release", args=[observation.pk]),
        reverse("observation:observation_extend", args=[observation.pk]),
        reverse("observation:healthcheck_list"),
        reverse("observation:rosterentry_list"),
        reverse("observation:teammember_list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(reverse("observation:observation_detail", args=[observation.pk])).content
    assert page.decode().count("seat empty") == 0  # the six seats are filled


def test_the_key_person_list_opens_on_who_needs_action(login, grid_worker, key_person):
    response = login(grid_worker).get(reverse("observation:keyperson_list"))
    assert response.status_code == 302 and "needs=any" in response["Location"]
    page = login(grid_worker).get(response["Location"]).content.decode()
    assert key_person.person.name in page


def test_the_today_list_shows_who_still_needs_a_check(login, grid_worker, observation):
    page = login(grid_worker).get(reverse("observation:today") + "?half=am").content.decode()
    assert observation.person.name in page and "fk-today-todo" in page
    HealthCheck.objects.create(
        observation=observation, date=timezone.localdate(), half="am", temperature="36.5"
    )
    page = login(grid_worker).get(reverse("observation:today") + "?half=am").content.decode()
    assert "fk-today-done" in page and "fk-today-todo" not in page


def test_every_team_member_sees_the_person_on_their_today_list(
    login, observation, outsider, django_user_model
):
    # The outsider (another town) serves on the team as the police officer.
    url = reverse("observation:today") + "?half=am"
    assert observation.person.name not in login(outsider).get(url).content.decode()
    member = observation.team.get(role__code="police")
    member.user = outsider
    member.save()
    assert observation.person.name in login(outsider).get(url).content.decode()


def test_recording_a_check_from_the_phone_form(login, grid_worker, observation):
    url = reverse("observation:record_check", args=[observation.pk])
    response = login(grid_worker).post(
        url, {"temperature": "36,6", "date": _day_before().isoformat(), "half": "am"}
    )
    assert response.status_code == 400  # a comma is for the browser's script to fix
    response = login(grid_worker).post(
        url, {"temperature": "36.6", "date": _day_before().isoformat(), "half": "am"}
    )
    assert response.status_code == 302
    assert str(HealthCheck.objects.get().temperature) == "36.6"
    response = login(grid_worker).post(
        url, {"temperature": "44", "date": _day_before().isoformat(), "half": "pm"}
    )
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()
    assert HealthCheck.objects.count() == 1


def test_outsiders_get_404_everywhere(login, outsider, observation, key_person):
    client = login(outsider)
    for url in (
        reverse("observation:keyperson_detail", args=[key_person.pk]),
        reverse("observation:keyperson_observe", args=[key_person.pk]),
        reverse("observation:observation_detail", args=[observation.pk]),
        reverse("observation:record_check", args=[observation.pk]),
        reverse("observation:observation_release", args=[observation.pk]),
        reverse("observation:release_notice", args=[observation.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("observation:record_check", args=[observation.pk]),
        {"temperature": "36.5", "date": _day_before().isoformat(), "half": "am"},
    )
    assert response.status_code == 404 and not HealthCheck.objects.exists()
    assert observation.person.name not in client.get(reverse("observation:today")).content.decode()
    assert (
        observation.person.name
        not in client.get(reverse("observation:observation_list")).content.decode()
    )


def test_a_reader_may_view_but_not_release(login, readonly, observation):
    client = login(readonly)
    url = reverse("observation:observation_release", args=[observation.pk])
    assert client.post(url, {"version": observation.version}).status_code in (403, 404)
    observation.refresh_from_db()
    assert observation.status == Observation.Status.ACTIVE


def _released(observation, actor):
    Observation.objects.filter(pk=observation.pk).update(
        start_date=observation.start_date - dt.timedelta(days=11),
        planned_end_date=observation.planned_end_date - dt.timedelta(days=11),
    )
    observation.refresh_from_db()
    for day in (timezone.localdate() - dt.timedelta(days=1), timezone.localdate()):
        for half in ("am", "pm"):
            HealthCheck.objects.create(
                observation=observation, date=day, half=half, temperature="36.5"
            )
    services.observation_release(
        actor=actor, observation=observation, expected_version=observation.version
    )


def test_release_page_refuses_with_reasons(login, grid_worker, observation):
    url = reverse("observation:observation_release", args=[observation.pk])
    response = login(grid_worker).post(url, {"version": observation.version})
    assert response.status_code == 400
    assert "cannot be released before" in response.content.decode()


def test_the_release_notice_prints_as_a_pdf_and_counts(login, grid_worker, observation):
    _released(observation, grid_worker)
    response = login(grid_worker).get(reverse("observation:release_notice", args=[observation.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert ReleaseNotice.objects.get().printed == 1


def test_the_dashboard_counts_and_drills_down(login, office, observation, world):
    client = login(office)
    page = client.get(reverse("observation:dashboard")).content.decode()
    assert world.town.name in page
    page = client.get(reverse("observation:dashboard") + f"?area={world.town.pk}").content.decode()
    assert world.village.name in page


def test_the_dashboard_of_another_town_is_refused(login, outsider, observation, world):
    response = login(outsider).get(reverse("observation:dashboard") + f"?area={world.town.pk}")
    assert response.status_code == 404


def test_lists_export_xlsx(login, office, observation):
    from fangkong.core.exports import EXPORTERS

    for key in ("observation.key-persons", "observation.observations", "observation.checks"):
        assert key in EXPORTERS
    response = login(office).post(reverse("observation:observation_list"), {"export": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_list_settings_for_the_command_office_only(login, office, grid_worker):
    url = reverse("observation:list_settings", args=["team-roles"])
    assert login(grid_worker).get(url).status_code == 403
    client = login(office)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"add": "1", "name": "心理咨询师", "code": "counsellor", "sort": 70, "active": "on"}
    )
    assert response.status_code == 302
    from fangkong.observation.models import TeamRole

    assert TeamRole.objects.filter(code="counsellor").exists()


def test_key_persons_import_from_a_sheet(login, grid_worker, person, person_out, run_jobs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.core.testing import xlsx_bytes
    from fangkong.observation.models import KeyPerson

    sheet = xlsx_bytes(
        ["person", "category", "source", "came from", "arrival date"],
        [
            [person.id_number, "wuhan", "bigdata", "武汉市", "2020-01-22"],
            [person_out.id_number, "hubei", "bigdata", "孝感", "2020-01-23"],  # not theirs
        ],
    )
    client = login(grid_worker)
    client.post(
        reverse("observation:keyperson_import"), {"file": SimpleUploadedFile("k.xlsx", sheet)}
    )
    (job,) = run_jobs()
    assert job.status == "failed" and job.result.get("rejected") == 1, job.result
    assert not KeyPerson.objects.exists()  # all or nothing
    sheet = xlsx_bytes(
        ["person", "category", "source", "came from", "arrival date"],
        [[person.id_number, "wuhan", "bigdata", "武汉市", "2020-01-22"]],
    )
    client.post(
        reverse("observation:keyperson_import"), {"file": SimpleUploadedFile("k.xlsx", sheet)}
    )
    (job,) = run_jobs()
    assert job.status == "done", job.result
    assert KeyPerson.objects.get().origin == "武汉市"
