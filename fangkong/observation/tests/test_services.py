"""Observation services: teams from the roster, checks (bad input, period, duplicates, alerts),
release rules, extension, transfer, missed-check escalation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.alerts.models import Alert
from fangkong.observation import services
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    Observation,
    ReleaseNotice,
    Symptom,
)

TODAY = timezone.localdate


def _check(actor, obs, day, half="am", t="36.5", **extra):
    return services.check_create(
        actor=actor,
        data={"observation": obs, "date": day, "half": half, "temperature": t, **extra},
    )


def test_start_fills_the_six_person_team_from_the_roster(observation, grid_worker, world):
    team = list(observation.team.select_related("role"))
    assert len(team) == 6
    assert {m.role.code for m in team} == {
        "town_cadre",
        "village_cadre",
        "village_doctor",
        "police",
        "grid_worker",
        "volunteer",
    }
    mine = next(m for m in team if m.role.code == "grid_worker")
    assert mine.user == grid_worker and mine.phone  # copied from the grid's own entry
    observation.key_person.refresh_from_db()
    assert observation.key_person.status == KeyPerson.Status.OBSERVING


def test_start_on_behalf_fills_the_team_too(key_person, outsider, roster):
    obs, created = services.start_observation(actor=outsider, key_person=key_person, on_behalf=True)
    assert created and obs.team.count() == 6


def test_planned_end_is_arrival_plus_the_period(observation, key_person):
    assert observation.planned_end_date == key_person.arrival_date + dt.timedelta(days=14)


@pytest.mark.parametrize("bad", ["33.9", "43.1", "100", "abc", "-1", "nan"])
def test_temperatures_outside_34_to_43_are_refused(observation, grid_worker, bad):
    with pytest.raises(ValidationError) as exc:
        _check(grid_worker, observation, TODAY() - dt.timedelta(days=1), t=bad)
    assert "temperature" in exc.value.message_dict
    assert not HealthCheck.objects.exists()


def test_a_check_in_the_future_is_refused(observation, grid_worker):
    with pytest.raises(ValidationError) as exc:
        _check(grid_worker, observation, TODAY() + dt.timedelta(days=1))
    assert "future" in exc.value.message_dict["date"][0]


def test_a_check_outside_the_period_is_refused(observation, grid_worker):
    with pytest.raises(ValidationError) as exc:
        _check(grid_worker, observation, observation.start_date - dt.timedelta(days=1))
    assert "outside the observation period" in exc.value.message_dict["date"][0]


def test_a_check_is_stored_once_per_half_day(observation, grid_worker):
    day = TODAY() - dt.timedelta(days=1)
    _check(grid_worker, observation, day)
    with pytest.raises(ValidationError) as exc:
        _check(grid_worker, observation, day, t="36.6")
    assert "already recorded" in exc.value.message_dict["half"][0]
    assert HealthCheck.objects.count() == 1


def test_the_database_refuses_a_second_check_of_a_half_day(observation):
    from django.db import IntegrityError, transaction

    day = TODAY() - dt.timedelta(days=1)
    HealthCheck.objects.create(observation=observation, date=day, half="am", temperature="36.5")
    with pytest.raises(IntegrityError), transaction.atomic():
        HealthCheck.objects.create(observation=observation, date=day, half="am", temperature="36.6")


def test_a_fever_raises_one_triage_alert_to_clinicians_and_village(observation, grid_worker):
    check = _check(grid_worker, observation, TODAY() - dt.timedelta(days=1), t="38.2")
    assert check.fever and check.abnormal
    alert = Alert.objects.get(kind=Alert.Kind.FEVER_CHECK)
    assert alert.area == observation.area
    assert {"clinician", "village_cadre"} <= set(alert.roles)
    assert alert.dedupe_key == f"observation.check:{check.pk}"
    services.alert_abnormal_checks([check])  # a retry of the alert stores nothing new
    assert Alert.objects.filter(kind=Alert.Kind.FEVER_CHECK).count() == 1


def test_symptoms_without_fever_are_abnormal_too(observation, grid_worker):
    cough = Symptom.objects.get(code="cough")
    check = _check(grid_worker, observation, TODAY() - dt.timedelta(days=1), symptoms=[cough])
    assert check.abnormal and not check.fever
    assert Alert.objects.filter(kind=Alert.Kind.FEVER_CHECK).count() == 1


def test_a_normal_check_raises_nothing(observation, grid_worker):
    _check(grid_worker, observation, TODAY() - dt.timedelta(days=1))
    assert not Alert.objects.exists()


def test_a_team_member_outside_the_area_may_record(observation, outsider):
    member = observation.team.get(role__code="police")
    member.user = outsider
    member.save()
    check = _check(outsider, observation, TODAY() - dt.timedelta(days=1))
    assert check.checked_by == outsider


def test_someone_neither_in_scope_nor_on_the_team_may_not(observation, outsider):
    with pytest.raises(ValidationError):
        _check(outsider, observation, TODAY() - dt.timedelta(days=1))
    assert not HealthCheck.objects.exists()


def _run_full_period(obs, actor, last_abnormal=False):
    """Checks on every half-day of the period (directly, as the days would have brought them)."""
    day = obs.start_date
    rows = []
    while day <= obs.planned_end_date:
        for half in ("am", "pm"):
            abnormal = last_abnormal and day == obs.planned_end_date and half == "pm"
            rows.append(
                HealthCheck(
                    observation=obs,
                    date=day,
                    half=half,
                    temperature=Decimal("37.8" if abnormal else "36.4"),
                    fever=abnormal,
                    abnormal=abnormal,
                )
            )
        day += dt.timedelta(days=1)
    HealthCheck.objects.bulk_create(rows)


def _move_back(obs, days):
    Observation.objects.filter(pk=obs.pk).update(
        start_date=obs.start_date - dt.timedelta(days=days),
        planned_end_date=obs.planned_end_date - dt.timedelta(days=days),
    )
    obs.refresh_from_db()
    return obs


def test_release_refused_before_the_end_of_the_period(observation, grid_worker):
    with pytest.raises(ValidationError) as exc:
        services.observation_release(
            actor=grid_worker, observation=observation, expected_version=observation.version
        )
    assert any("cannot be released before" in m for m in exc.value.messages)
    observation.refresh_from_db()
    assert observation.status == Observation.Status.ACTIVE
    assert not ReleaseNotice.objects.exists()


def test_release_refused_when_a_last_check_is_abnormal(observation, grid_worker):
    obs = _move_back(observation, 11)  # the period ends today
    _run_full_period(obs, grid_worker, last_abnormal=True)
    with pytest.raises(ValidationError) as exc:
        services.observation_release(
            actor=grid_worker, observation=obs, expected_version=obs.version
        )
    assert any("was not normal" in m for m in exc.value.messages)
    obs.refresh_from_db()
    assert obs.status == Observation.Status.ACTIVE and not ReleaseNotice.objects.exists()


def test_release_refused_without_the_last_checks(observation, grid_worker):
    obs = _move_back(observation, 11)
    with pytest.raises(ValidationError) as exc:
        services.observation_release(
            actor=grid_worker, observation=obs, expected_version=obs.version
        )
    assert any("last two checks are missing" in m for m in exc.value.messages)


def test_release_on_day_14_issues_the_notice_and_closes_the_key_person(observation, grid_worker):
    obs = _move_back(observation, 11)
    _run_full_period(obs, grid_worker)
    services.observation_release(actor=grid_worker, observation=obs, expected_version=obs.version)
    obs.refresh_from_db()
    assert obs.status == Observation.Status.RELEASED and obs.ended_at
    notice = ReleaseNotice.objects.get(observation=obs)
    assert notice.issued_by == grid_worker and notice.issued_on == TODAY()
    obs.key_person.refresh_from_db()
    assert obs.key_person.status == KeyPerson.Status.CLOSED
    # The audit trail: the release is in the observation's change history, with who did it.
    last = obs.history.first()
    assert last.status == "released" and last.history_user == grid_worker


def test_extension_needs_a_reason_and_a_later_date(observation, grid_worker):
    with pytest.raises(ValidationError):
        services.observation_extend(
            actor=grid_worker,
            observation=observation,
            new_end=observation.planned_end_date + dt.timedelta(days=7),
            reason="",
            expected_version=observation.version,
        )
    with pytest.raises(ValidationError):
        services.observation_extend(
            actor=grid_worker,
            observation=observation,
            new_end=observation.planned_end_date,
            reason="新的接触",
            expected_version=observation.version,
        )
    end = observation.planned_end_date + dt.timedelta(days=7)
    services.observation_extend(
        actor=grid_worker,
        observation=observation,
        new_end=end,
        reason="新的接触",
        expected_version=observation.version,
    )
    observation.refresh_from_db()
    assert observation.planned_end_date == end and observation.extension_reason == "新的接触"


def test_transfer_to_hospital_ends_the_observation(observation, grid_worker):
    services.observation_transfer(
        actor=grid_worker,
        observation=observation,
        hospital="大通湖区人民医院",
        reason="发热",
        expected_version=observation.version,
    )
    observation.refresh_from_db()
    assert observation.status == Observation.Status.HOSPITAL and observation.hospital


def test_an_outsider_cannot_release_or_extend(observation, outsider):
    from django.core.exceptions import ObjectDoesNotExist

    with pytest.raises((ValidationError, ObjectDoesNotExist)):
        services.observation_extend(
            actor=outsider,
            observation=observation,
            new_end=observation.planned_end_date + dt.timedelta(days=3),
            reason="x",
            expected_version=observation.version,
        )
    observation.refresh_from_db()
    assert not observation.extension_reason


def test_missed_checks_go_to_the_village_then_the_town(observation, grid_worker, world):
    yesterday = TODAY() - dt.timedelta(days=1)
    _check(grid_worker, observation, yesterday, "am")
    # yesterday afternoon was missed; right after midnight only the village is told
    closes = services.half_closes_at(yesterday, "pm")
    services.escalate_missed_checks(now=closes + dt.timedelta(minutes=5), days=1)
    missed = Alert.objects.filter(kind=Alert.Kind.MISSED_CHECK)
    pm = [a for a in missed if f":{yesterday}:pm:" in a.dedupe_key]
    assert [a.area for a in pm] == [world.village]
    services.escalate_missed_checks(now=closes + dt.timedelta(hours=7), days=1)
    pm = [
        a
        for a in Alert.objects.filter(kind=Alert.Kind.MISSED_CHECK)
        if f":{yesterday}:pm:" in a.dedupe_key
    ]
    assert sorted(a.area.name for a in pm) == sorted([world.village.name, world.town.name])
    count = Alert.objects.count()
    services.escalate_missed_checks(now=closes + dt.timedelta(hours=8), days=1)
    assert Alert.objects.count() == count  # idempotent
    # the checked morning was not escalated
    assert not Alert.objects.filter(dedupe_key__contains=f":{yesterday}:am:").exists()


def test_site_capacity_is_enforced(world, key_person, office):
    site = services.site_create(
        actor=office, data={"area": world.town, "name": "湖滨宾馆", "capacity": 0 + 1}
    )
    services.observation_create(
        actor=office,
        data={"key_person": key_person, "kind": "centralised", "site": site, "room": "101"},
    )
    from fangkong.core.testing import make_id_number
    from fangkong.people.models import Person

    other = Person.objects.create(name="钱七", id_number=make_id_number(seq=9), area=world.grid)
    kp2, _ = services.register_key_person(
        actor=office, person=other, category="hubei", source="manual"
    )
    with pytest.raises(ValidationError) as exc:
        services.observation_create(
            actor=office, data={"key_person": kp2, "kind": "centralised", "site": site}
        )
    assert "full" in exc.value.message_dict["site"][0]
