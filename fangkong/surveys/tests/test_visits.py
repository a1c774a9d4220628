"""Household visits: one per household and campaign, retries stored once, revisits with
history, coverage counters exact, risky answers create or link one key person, bad input
refused with nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fangkong.alerts.models import Alert
from fangkong.observation.models import KeyPerson
from fangkong.surveys import selectors
from fangkong.surveys.models import Coverage, Visit, VisitAnswer
from fangkong.surveys.services import visit_record
from fangkong.surveys.tests.conftest import seen_payload


def coverage_of(campaign, grid):
    row = Coverage.objects.filter(campaign=campaign, area=grid).first()
    return (row.visited, row.seen, row.unreachable, row.risks) if row else (0, 0, 0, 0)


def test_seen_visit_moves_coverage_exactly(world, grid_worker, commander, campaign, person_in):
    result = visit_record(
        actor=grid_worker, data=seen_payload(campaign, world.household, person_in)
    )
    assert result.status == "stored"
    assert coverage_of(campaign, world.grid) == (1, 1, 0, 0)
    # The command office's tree: two households in the district, one seen.
    tree = selectors.coverage_tree(actor=commander, campaign=campaign)
    assert (tree.households, tree.seen, tree.percent) == (2, 1, 50.0)
    town = {c.name: c for c in tree.children}
    assert (town["河坝镇"].seen, town["河坝镇"].households, town["河坝镇"].colour) == (
        1,
        1,
        "green",
    )
    assert (town["金盆镇"].seen, town["金盆镇"].households, town["金盆镇"].colour) == (0, 1, "red")
    # The grid worker's tree holds their grid only.
    mine = selectors.coverage_tree(actor=grid_worker, campaign=campaign)
    assert (mine.households, mine.seen) == (1, 1)
    assert [c.name for c in mine.children] == ["河坝镇"]


def test_one_visit_per_household_per_campaign_in_the_database(world, grid_worker, campaign):
    Visit.objects.create(
        campaign=campaign, household=world.household, worker=grid_worker, outcome="seen"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(
            campaign=campaign, household=world.household, worker=grid_worker, outcome="seen"
        )


def test_retried_submission_is_stored_once(world, grid_worker, campaign, person_in):
    data = seen_payload(campaign, world.household, person_in)
    first = visit_record(actor=grid_worker, data=dict(data), client_id="phone-1-42")
    again = visit_record(actor=grid_worker, data=dict(data), client_id="phone-1-42")
    assert (first.status, again.status) == ("stored", "already_stored")
    assert again.visit.pk == first.visit.pk
    assert Visit.objects.get().visits_made == 1
    assert coverage_of(campaign, world.grid) == (1, 1, 0, 0)


def test_revisit_updates_the_visit_and_keeps_history(world, grid_worker, campaign, person_in):
    visit_record(
        actor=grid_worker,
        data={
            "campaign_id": campaign.pk,
            "household_id": world.household.pk,
            "outcome": "unreachable",
            "unreachable_reason": "nobody_home",
        },
    )
    visit = Visit.objects.get()
    assert visit.retry_on is not None  # planned for the next day
    assert coverage_of(campaign, world.grid) == (1, 0, 1, 0)
    # Still a blank, with its retry date.
    assert list(selectors.blanks(actor=grid_worker, campaign=campaign)) == [world.household]
    result = visit_record(
        actor=grid_worker, data=seen_payload(campaign, world.household, person_in)
    )
    assert result.status == "updated"
    visit.refresh_from_db()
    assert (visit.outcome, visit.visits_made, visit.retry_on) == ("seen", 2, None)
    assert [h.outcome for h in visit.history.order_by("history_date")] == ["unreachable", "seen"]
    assert coverage_of(campaign, world.grid) == (1, 1, 0, 0)
    assert list(selectors.blanks(actor=grid_worker, campaign=campaign)) == []


def test_risky_answers_create_or_link_one_key_person_and_alert(
    world, grid_worker, campaign, person_in, today
):
    data = seen_payload(
        campaign,
        world.household,
        person_in,
        travel_origin="湖北省武汉市",
        arrival_date=(today - dt.timedelta(days=3)).isoformat(),
    )
    visit_record(actor=grid_worker, data=data)
    record = KeyPerson.objects.get(person=person_in)
    assert (record.category.code, record.source, record.origin) == (
        "wuhan",
        "survey",
        "湖北省武汉市",
    )
    assert Alert.objects.filter(kind="survey_risk", area=world.village).count() == 1
    assert coverage_of(campaign, world.grid) == (1, 1, 0, 1)
    # The revisit repeats the answer: the same key person, the same alert, risks not doubled.
    visit_record(actor=grid_worker, data=data)
    assert KeyPerson.objects.filter(person=person_in).count() == 1
    assert Alert.objects.filter(kind="survey_risk").count() == 1
    assert coverage_of(campaign, world.grid) == (1, 1, 0, 1)


def test_symptoms_fever_and_contact_are_risks_but_old_travel_is_not(
    world, grid_worker, campaign, person_in, today
):
    old = (campaign.since_date - dt.timedelta(days=1)).isoformat()
    visit_record(
        actor=grid_worker,
        data=seen_payload(
            campaign, world.household, person_in, travel_origin="武汉", arrival_date=old
        ),
    )
    assert not KeyPerson.objects.exists()
    visit_record(
        actor=grid_worker,
        data=seen_payload(campaign, world.household, person_in, temperature="37.8", contact=True),
    )
    assert sorted(KeyPerson.objects.values_list("category__code", flat=True)) == [
        "close_contact",
        "fever",
    ]
    assert VisitAnswer.objects.get().risk == "fever,close_contact"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"travel_origin": "武汉\x07"}, "persons.0.travel_origin"),
        ({"temperature": "50"}, "persons.0.temperature"),
        ({"symptoms": ["plague"]}, "persons.0.symptoms"),
        ({"arrival_date": "2999-01-01", "travel_origin": "武汉"}, "persons.0.arrival_date"),
        ({"arrival_date": "2020-01-20"}, "persons.0.travel_origin"),
        ({"seen": False, "contact": True}, "persons.0.seen"),
        ({"extra": [True, True]}, "persons.0.extra"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_written(
    world, grid_worker, campaign, person_in, answers, field
):
    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=grid_worker, data=seen_payload(campaign, world.household, person_in, **answers)
        )
    assert field in exc.value.message_dict
    assert not Visit.objects.exists()
    assert not Coverage.objects.exists()
    assert not KeyPerson.objects.exists()


def test_impossible_visits_are_refused(world, grid_worker, campaign, person_in, town_campaign):
    base = {"campaign_id": campaign.pk, "household_id": world.household.pk}
    cases = [
        ({**base, "outcome": "seen", "persons": []}, "persons"),
        ({**base, "outcome": "unreachable"}, "unreachable_reason"),
        ({**base, "outcome": "maybe"}, "outcome"),
        ({**base, "outcome": "seen", "note": "a\x00b", "persons": []}, "persons"),
        ({**base, "outcome": "seen", "visited_at": "2020-01-01T10:00:00+08:00"}, "visited_at"),
        (
            {
                **base,
                "outcome": "unreachable",
                "unreachable_reason": "away",
                "persons": [{"person_id": person_in.pk, "seen": True}],
            },
            "outcome",
        ),
    ]
    for data, field in cases:
        with pytest.raises(ValidationError) as exc:
            visit_record(actor=grid_worker, data=data)
        assert field in exc.value.message_dict, (data, exc.value.message_dict)
    # A question the campaign does not ask (the town's round asks no temperature).
    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=grid_worker,
            data=seen_payload(town_campaign, world.household, person_in, temperature="36.5"),
        )
    assert "persons.0.temperature" in exc.value.message_dict
    assert not Visit.objects.exists()


def test_control_characters_in_the_note_are_refused(world, grid_worker, campaign, person_in):
    data = seen_payload(campaign, world.household, person_in)
    data["note"] = "门口\x1b[31m"
    with pytest.raises(ValidationError) as exc:
        visit_record(actor=grid_worker, data=data)
    assert "note" in exc.value.message_dict
    assert not Visit.objects.exists()


def test_newcomer_is_registered_in_the_household(world, grid_worker, campaign, person_in):
    from fangkong.core.testing import make_id_number
    from fangkong.people.models import Person

    data = seen_payload(campaign, world.household, person_in)
    data["newcomers"] = [
        {"name": "王新来", "id_number": make_id_number(), "travel_origin": "湖北孝感"}
    ]
    visit_record(actor=grid_worker, data=data)
    newcomer = Person.objects.get(name="王新来")
    assert newcomer.household == world.household
    assert KeyPerson.objects.get(person=newcomer).category.code == "hubei"
    assert Visit.objects.get().persons_seen == 2


def test_outsider_cannot_visit_a_household_of_another_town(world, outsider, campaign, person_in):
    with pytest.raises(ValidationError) as exc:
        visit_record(actor=outsider, data=seen_payload(campaign, world.household, person_in))
    assert "household_id" in exc.value.message_dict
    assert not Visit.objects.exists()


def test_household_outside_the_campaign_is_refused(world, commander, town_campaign, person_out):
    with pytest.raises(ValidationError) as exc:
        visit_record(
            actor=commander, data=seen_payload(town_campaign, world.other_household, person_out)
        )
    assert "household_id" in exc.value.message_dict


def test_blanks_are_the_workers_unseen_households(world, grid_worker, commander, campaign):
    assert list(selectors.blanks(actor=grid_worker, campaign=campaign)) == [world.household]
    assert set(selectors.blanks(actor=commander, campaign=campaign)) == {
        world.household,
        world.other_household,
    }
    assert list(selectors.blanks(actor=grid_worker, campaign=campaign, query="东湖村一组")) == [
        world.household
    ]
    assert list(selectors.blanks(actor=grid_worker, campaign=campaign, query="南湾")) == []
