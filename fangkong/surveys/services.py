"""Writes of the surveys app: campaigns, household visits (with kept coverage and risk
follow-up), units, their staff and staff declarations.

Every write is one transaction. A visit's consequences happen in that same transaction: the
coverage counters of its grid move, and a risky answer creates or links the person's key-person
record (``observation.services.register_key_person(on_behalf=True)``: the grid worker's visit
is the authorised write; the key person may sit in a grid the worker cannot see) and raises a
``survey_risk`` alert to the village. Nothing is half-written: a bad answer refuses the whole
visit with a message beside the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.models import BatchReceipt
from fangkong.core.scoping import covers
from fangkong.core.services import create_record, soft_delete_record, update_record
from fangkong.core.validators import (
    is_fever,
    is_risk_origin,
    validate_temperature,
    validate_text,
)
from fangkong.surveys.models import (
    SYMPTOM_CODES,
    Campaign,
    Coverage,
    Declaration,
    Unit,
    UnitStaff,
    Visit,
    VisitAnswer,
)

CAMPAIGN_FIELDS = (
    "area",
    "name",
    "starts_on",
    "ends_on",
    "since_date",
    "ask_travel",
    "ask_symptoms",
    "ask_temperature",
    "ask_contact",
    "ask_residence",
    "extra_questions",
    "status",
)
UNIT_FIELDS = ("area", "name", "kind", "head", "since_date")
STAFF_FIELDS = ("unit", "name", "position", "person", "user", "active")
VISIT_ROUTE = "surveys.visit"
MAX_PERSONS = 30

# ---------------------------------------------------------------------------------- campaigns


def campaign_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``campaign_create`` would, without writing; ``ValidationError`` by field."""
    fields = {k: v for k, v in data.items() if k in CAMPAIGN_FIELDS}
    Campaign(**fields).full_clean(validate_constraints=False)
    return fields


@transaction.atomic
def campaign_create(*, actor, data: dict[str, Any]) -> Campaign:
    """Launch a survey round for an area the actor may add campaigns in."""
    return create_record(Campaign, actor=actor, **campaign_check(data=data))


@transaction.atomic
def campaign_update(
    *, actor, campaign: Campaign, expected_version: int | None, data: dict
) -> Campaign:
    """Change a campaign (close it, extend it); ``StaleVersion`` when someone saved it since."""
    current = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}
    checked = campaign_check(data={**current, **data}, exclude_pk=campaign.pk)
    changes = {name: checked[name] for name in data if name in checked}
    if "area" in changes and changes["area"] != campaign.area and campaign.visits.exists():
        raise ValidationError({"area": _("Households were already visited: keep the area.")})
    return update_record(campaign, actor=actor, expected_version=expected_version, changes=changes)


def campaign_delete(*, actor, campaign: Campaign, reason: str, expected_version: int | None):
    """Soft delete (a round launched by mistake); refused once visits are recorded."""
    if campaign.visits.exists():
        raise ValidationError(_("Households were already visited in this campaign: close it."))
    return soft_delete_record(
        campaign, actor=actor, reason=reason, expected_version=expected_version
    )


# ------------------------------------------------------------------------------------- visits


@dataclass
class VisitResult:
    visit: Visit
    status: str  # "stored" (new), "updated" (revisit), "already_stored" (retry)


def _bool(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", 0, "0", "false", "no", "off"):
        return False
    if value in (1, "1", "true", "yes", "on"):
        return True
    raise ValidationError({field: [_("Answer yes or no.")]})


def _date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]}) from None


def _text(value, field: str, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    try:
        validate_text(text)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    if len(text) > max_length:
        raise ValidationError(
            {field: [_("At most %(n)d characters.") % {"n": max_length}]}
        ) from None
    return text


def risk_categories(
    *,
    since: dt.date,
    origin: str = "",
    arrival: dt.date | None = None,
    symptoms=(),
    temperature=None,
    contact: bool = False,
) -> list[str]:
    """Key-person categories an answer calls for: ``wuhan``/``hubei`` for a return from a risk
    origin on or after ``since`` (core's ``is_risk_origin``), ``fever`` for symptoms or a fever
    (core's ``is_fever``), ``close_contact`` for contact with key persons."""
    found = []
    if origin and is_risk_origin(origin) and (arrival is None or arrival >= since):
        found.append("wuhan" if ("武汉" in origin or "武漢" in origin) else "hubei")
    if symptoms or (temperature is not None and is_fever(temperature)):
        found.append("fever")
    if contact:
        found.append("close_contact")
    return found


def _answers(campaign: Campaign, raw: dict, prefix: str, visit_day: dt.date) -> dict[str, Any]:
    """One person's answers, checked against the campaign's question set."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def asked(flag: str, key: str) -> bool:
        if getattr(campaign, flag):
            return True
        value = raw.get(key)
        if value not in (None, "", [], False):
            errors.setdefault(f"{prefix}.{key}", []).append(
                _("This campaign does not ask this question.")
            )
        return False

    def collect(fn):
        try:
            return fn()
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
            return None

    out["seen"] = collect(lambda: _bool(raw.get("seen", True), f"{prefix}.seen")) or False
    out["lives_here"] = True
    if campaign.ask_residence:
        lives = collect(lambda: _bool(raw.get("lives_here", True), f"{prefix}.lives_here"))
        out["lives_here"] = lives is not False
    out["travel_origin"], out["arrival_date"] = "", None
    if asked("ask_travel", "travel_origin") & asked("ask_travel", "arrival_date"):
        out["travel_origin"] = (
            collect(lambda: _text(raw.get("travel_origin"), f"{prefix}.travel_origin", 60)) or ""
        )
        out["arrival_date"] = collect(
            lambda: _date(raw.get("arrival_date"), f"{prefix}.arrival_date")
        )
        arrival = out["arrival_date"]
        if arrival and arrival > visit_day:
            errors.setdefault(f"{prefix}.arrival_date", []).append(
                _("An arrival after the visit is impossible.")
            )
        if arrival and not out["travel_origin"]:
            errors.setdefault(f"{prefix}.travel_origin", []).append(
                _("Say where they came back from.")
            )
    out["symptoms"] = []
    if asked("ask_symptoms", "symptoms"):
        symptoms = raw.get("symptoms") or []
        if isinstance(symptoms, str):
            symptoms = [s for s in symptoms.split(",") if s]
        if not isinstance(symptoms, list) or any(
            not isinstance(s, str) or s not in SYMPTOM_CODES for s in symptoms
        ):
            errors.setdefault(f"{prefix}.symptoms", []).append(
                _("Unknown symptom; choose from: %(codes)s.")
                % {"codes": ", ".join(sorted(SYMPTOM_CODES))}
            )
        else:
            out["symptoms"] = sorted(set(symptoms))
    out["temperature"] = None
    if asked("ask_temperature", "temperature") and raw.get("temperature") not in (None, ""):
        try:
            out["temperature"] = validate_temperature(raw["temperature"])
        except ValidationError as exc:
            errors.setdefault(f"{prefix}.temperature", []).extend(exc.messages)
    out["contact"] = False
    if asked("ask_contact", "contact"):
        out["contact"] = collect(lambda: _bool(raw.get("contact"), f"{prefix}.contact")) or False
    extra = raw.get("extra") or []
    n_extra = len(campaign.extra_list)
    if not isinstance(extra, list) or len(extra) > n_extra:
        errors.setdefault(f"{prefix}.extra", []).append(
            _("This campaign asks %(n)d extra questions.") % {"n": n_extra}
        )
        extra = []
    out["extra"] = "".join(
        "1" if collect(lambda v=v: _bool(v, f"{prefix}.extra")) else "0" for v in extra
    )
    if not out["seen"] and any(
        [out["travel_origin"], out["symptoms"], out["temperature"], out["contact"], "1" in extra]
    ):
        errors.setdefault(f"{prefix}.seen", []).append(
            _("Record answers only for persons actually seen.")
        )
    if errors:
        raise ValidationError(errors)
    return out


def _receipt(actor, client_id: str | None):
    """Reserve ``client_id`` for this user (a retried submission finds it taken)."""
    if not client_id:
        return None, None
    client_id = str(client_id).strip()[:64]
    stored = (
        BatchReceipt.objects.filter(user=actor, route=VISIT_ROUTE, client_id=client_id)
        .exclude(object_id__isnull=True)
        .values_list("object_id", flat=True)
        .first()
    )
    if stored is not None:
        return None, stored
    try:
        with transaction.atomic():
            return BatchReceipt.objects.create(
                user=actor, route=VISIT_ROUTE, client_id=client_id
            ), None
    except IntegrityError:
        # A concurrent submission of the same client id committed first.
        stored = (
            BatchReceipt.objects.filter(user=actor, route=VISIT_ROUTE, client_id=client_id)
            .values_list("object_id", flat=True)
            .first()
        )
        return None, stored


def visit_context(*, actor, campaign_id, household_id):
    """The campaign (visible to the actor) and household (the actor may visit it), or a
    ``ValidationError`` naming the field: missing and out of scope read alike."""
    from fangkong.places.models import Household
    from fangkong.surveys.selectors import visible_campaigns

    campaign = (
        visible_campaigns(actor=actor).filter(pk=campaign_id).first()
        if isinstance(campaign_id, int | str) and str(campaign_id).isdigit()
        else None
    )
    if campaign is None:
        raise ValidationError({"campaign_id": [_("No such campaign in your area.")]})
    household = (
        Household.objects.restrict(actor, "view", perm="surveys.add_visit")
        .select_related("area__parent")
        .filter(pk=household_id)
        .first()
        if isinstance(household_id, int | str) and str(household_id).isdigit()
        else None
    )
    if household is None:
        raise ValidationError(
            {"household_id": [_("No such household in your area of responsibility.")]}
        )
    if not household.area.path.startswith(campaign.area.path):
        raise ValidationError({"household_id": [_("This household is outside the campaign.")]})
    return campaign, household


@transaction.atomic
def visit_record(*, actor, data: dict[str, Any], client_id: str | None = None) -> VisitResult:
    """Record (or update) the visit of a household in a campaign.

    ``data``: ``campaign_id``, ``household_id``, ``visited_at`` (default now), ``outcome``
    (``seen``/``unreachable``), ``unreachable_reason``, ``retry_on``, ``note``, ``persons``
    (``[{"person_id", "seen", "lives_here", "travel_origin", "arrival_date", "symptoms",
    "temperature", "contact", "extra"}]``) and ``newcomers`` (the same answers with ``name`` and
    ``id_number`` instead of ``person_id``; registered in the household's grid).

    One visit per household per campaign (a unique index): a second visit updates the first
    (history kept, ``visits_made`` counts them). With a ``client_id`` a retried submission is
    answered ``already_stored`` and stores nothing. Coverage counters, key persons and alerts
    change in this same transaction."""
    receipt, stored_id = _receipt(actor, client_id)
    if stored_id is not None:
        return VisitResult(Visit.objects.get(pk=stored_id), "already_stored")
    campaign, household = visit_context(
        actor=actor, campaign_id=data.get("campaign_id"), household_id=data.get("household_id")
    )
    if campaign.status != Campaign.Status.OPEN:
        raise ValidationError({"campaign_id": [_("This campaign is closed.")]})
    visited_at = data.get("visited_at") or timezone.now()
    if isinstance(visited_at, str):
        from django.utils.dateparse import parse_datetime

        parsed = parse_datetime(visited_at)
        if parsed is None:
            raise ValidationError({"visited_at": [_("Enter a date and time.")]})
        visited_at = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
    if visited_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"visited_at": [_("This time is in the future.")]})
    day = timezone.localdate(visited_at)
    if not (campaign.starts_on <= day <= campaign.ends_on):
        raise ValidationError({"visited_at": [_("The visit falls outside the campaign's period.")]})
    outcome = data.get("outcome")
    if outcome not in Visit.Outcome.values:
        raise ValidationError({"outcome": [_("Choose: household seen, or not reachable.")]})
    persons_raw = data.get("persons") or []
    newcomers_raw = data.get("newcomers") or []
    if not isinstance(persons_raw, list) or not isinstance(newcomers_raw, list):
        raise ValidationError({"persons": [_("Send the persons as a list.")]})
    if len(persons_raw) + len(newcomers_raw) > MAX_PERSONS:
        raise ValidationError({"persons": [_("At most %(n)d persons.") % {"n": MAX_PERSONS}]})

    from fangkong.people.models import Person

    members = {
        p.pk: p
        for p in Person.objects.filter(household=household, merged_into__isnull=True).only(
            "id", "name", "area_id", "household_id"
        )
    }
    errors: dict[str, list[str]] = {}
    answers: list[tuple[Any, dict]] = []
    seen_ids: set[int] = set()
    for i, raw in enumerate(persons_raw):
        if not isinstance(raw, dict):
            errors[f"persons.{i}"] = [_("Send each person as an object.")]
            continue
        pid = raw.get("person_id")
        person = members.get(pid) if isinstance(pid, int) else None
        if person is None:
            errors[f"persons.{i}.person_id"] = [_("Not a member of this household.")]
            continue
        if pid in seen_ids:
            errors[f"persons.{i}.person_id"] = [_("This person is listed twice.")]
            continue
        seen_ids.add(pid)
        try:
            answers.append((person, _answers(campaign, raw, f"persons.{i}", day)))
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    newcomer_rows = []
    for i, raw in enumerate(newcomers_raw):
        if not isinstance(raw, dict):
            errors[f"newcomers.{i}"] = [_("Send each person as an object.")]
            continue
        try:
            name = _text(raw.get("name"), f"newcomers.{i}.name", 50)
            if not name:
                raise ValidationError({f"newcomers.{i}.name": [_("Give the newcomer's name.")]})
            newcomer_rows.append(
                (
                    name,
                    _text(raw.get("id_number"), f"newcomers.{i}.id_number", 20),
                    _answers(campaign, {**raw, "seen": True}, f"newcomers.{i}", day),
                )
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    n_seen = sum(1 for _p, a in answers if a["seen"]) + len(newcomer_rows)
    if outcome == Visit.Outcome.SEEN and not n_seen and not errors:
        errors["persons"] = [
            _("Tick at least one person seen, or record the household as not reachable.")
        ]
    if outcome == Visit.Outcome.UNREACHABLE and n_seen:
        errors["outcome"] = [_("Somebody was seen: record the household as seen.")]
    if errors:
        raise ValidationError(errors)

    # Newcomers are registered in the household's grid by the worker (the people service
    # checks the ID number and the worker's right to add persons there).
    from fangkong.people.services import person_create

    for i, (name, id_number, ans) in enumerate(newcomer_rows):
        try:
            person = person_create(
                actor=actor,
                data={
                    "name": name,
                    "id_number": id_number,
                    "area": household.area,
                    "household": household,
                    "current_address": household.address,
                },
            )
        except ValidationError as exc:
            raise ValidationError(
                {f"newcomers.{i}.{k}": v for k, v in exc.message_dict.items()}
            ) from None
        answers.append((person, {**ans, "newcomer": True}))

    fields = {
        "visited_at": visited_at,
        "outcome": outcome,
        "unreachable_reason": data.get("unreachable_reason") or "",
        "retry_on": _date(data.get("retry_on"), "retry_on"),
        "note": _text(data.get("note"), "note", 200),
        "persons_seen": n_seen,
    }
    if outcome == Visit.Outcome.UNREACHABLE and fields["retry_on"] is None:
        # Not reachable today: the household stays a blank, planned for the next day.
        fields["retry_on"] = day + dt.timedelta(days=1)
    existing = (
        Visit.objects.select_for_update().filter(campaign=campaign, household=household).first()
    )
    old = (0, 0, 0, 0)
    if existing is None:
        visit = Visit(campaign=campaign, household=household, worker=actor, **fields)
        visit.full_clean(exclude=["campaign", "household", "worker"], validate_constraints=False)
        visit._history_user = actor
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError:
            # Another worker recorded this household at the same moment: update theirs.
            existing = Visit.objects.select_for_update().get(campaign=campaign, household=household)
    if existing is not None:
        visit = existing
        old = (1, int(visit.outcome == Visit.Outcome.SEEN), int(visit.outcome != "seen"), 0)
        old = (*old[:3], visit.risks_found)
        for name, value in fields.items():
            setattr(visit, name, value)
        visit.worker = actor
        visit.version += 1
        visit.visits_made += 1
        visit.full_clean(exclude=["campaign", "household", "worker"], validate_constraints=False)
        visit._history_user = actor
        visit.save()
        visit.answers.all().delete()
        status = "updated"
    else:
        status = "stored"

    rows, risks = [], 0
    for person, ans in answers:
        cats = risk_categories(
            since=campaign.since_date,
            origin=ans["travel_origin"],
            arrival=ans["arrival_date"],
            symptoms=ans["symptoms"],
            temperature=ans["temperature"],
            contact=ans["contact"],
        )
        if cats:
            risks += 1
            _follow_up_risk(actor=actor, visit=visit, person=person, cats=cats, ans=ans)
        rows.append(
            VisitAnswer(
                visit=visit,
                person=person,
                seen=ans["seen"],
                lives_here=ans["lives_here"],
                newcomer=ans.get("newcomer", False),
                travel_origin=ans["travel_origin"],
                arrival_date=ans["arrival_date"],
                symptoms=",".join(ans["symptoms"]),
                temperature=ans["temperature"],
                contact=ans["contact"],
                extra=ans["extra"],
                risk=",".join(cats),
            )
        )
    VisitAnswer.objects.bulk_create(rows)
    if risks != visit.risks_found:
        Visit.objects.filter(pk=visit.pk).update(risks_found=risks)
        visit.risks_found = risks
    new = (1, int(outcome == Visit.Outcome.SEEN), int(outcome != Visit.Outcome.SEEN), risks)
    bump_coverage(
        campaign_id=campaign.pk,
        area_id=household.area_id,
        deltas=tuple(n - o for n, o in zip(new, old, strict=True)),
    )
    if receipt is not None:
        BatchReceipt.objects.filter(pk=receipt.pk).update(object_id=visit.pk)
    return VisitResult(visit, status)


def _follow_up_risk(*, actor, visit: Visit, person, cats: list[str], ans: dict) -> None:
    """Create or link the person's key-person record per category; alert the village."""
    from fangkong.alerts.services import raise_alert
    from fangkong.observation.services import register_key_person

    for cat in cats:
        register_key_person(
            actor=actor,
            person=person,
            category=cat,
            source="survey",
            origin=ans["travel_origin"] if cat in ("wuhan", "hubei") else "",
            arrival_date=ans["arrival_date"] if cat in ("wuhan", "hubei") else None,
            note=_("Found in the carpet survey “%(c)s”.") % {"c": visit.campaign.name},
            source_ref=f"surveys.visit:{visit.pk}",
            identified_at=visit.visited_at,
            on_behalf=True,
        )
    grid = visit.household.area
    raise_alert(
        kind="survey_risk",
        area=grid.parent or grid,
        roles=("village_cadre", "grid_worker"),
        title=_("Carpet survey: %(name)s (%(household)s) needs follow-up")
        % {"name": person.name, "household": visit.household.number},
        body=", ".join(cats),
        link=reverse("surveys:visit_detail", args=[visit.pk]),
        source=f"surveys.visit:{visit.pk}",
        dedupe_key=f"survey:{visit.campaign_id}:{person.pk}:{','.join(cats)}",
        raised_at=visit.visited_at,
    )


def bump_coverage(*, campaign_id: int, area_id: int, deltas: tuple[int, int, int, int]) -> None:
    """Move the kept counters (visited, seen, unreachable, risks) of one grid, in the caller's
    transaction: one UPDATE, or an INSERT the first time (a concurrent first insert makes
    ours fall back to the UPDATE)."""
    visited, seen, unreachable, risks = deltas
    if not any(deltas):
        return
    changes = {
        "visited": F("visited") + visited,
        "seen": F("seen") + seen,
        "unreachable": F("unreachable") + unreachable,
        "risks": F("risks") + risks,
        "updated_at": timezone.now(),
    }
    qs = Coverage.objects.filter(campaign_id=campaign_id, area_id=area_id)
    if qs.update(**changes):
        return
    try:
        with transaction.atomic():
            Coverage.objects.create(
                campaign_id=campaign_id,
                area_id=area_id,
                visited=visited,
                seen=seen,
                unreachable=unreachable,
                risks=risks,
            )
    except IntegrityError:
        qs.update(**changes)


def refresh_coverage(campaign: Campaign) -> int:
    """Recount a campaign's counters from its visits (after bulk loads); returns grids."""
    from django.db.models import Count, Q, Sum

    rows = (
        Visit.objects.filter(campaign=campaign)
        .order_by()
        .values("household__area_id")
        .annotate(
            visited=Count("id"),
            seen=Count("id", filter=Q(outcome="seen")),
            unreachable=Count("id", filter=~Q(outcome="seen")),
            risks=Sum("risks_found"),
        )
    )
    now = timezone.now()
    objs = [
        Coverage(
            campaign=campaign,
            area_id=r["household__area_id"],
            visited=r["visited"],
            seen=r["seen"],
            unreachable=r["unreachable"],
            risks=r["risks"] or 0,
            updated_at=now,
        )
        for r in rows
    ]
    with transaction.atomic():
        Coverage.objects.filter(campaign=campaign).delete()
        Coverage.objects.bulk_create(objs, batch_size=1000)
    return len(objs)


# ------------------------------------------------------------------------- units and staff


def unit_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``unit_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in UNIT_FIELDS}
    unit = Unit(**fields)
    unit.full_clean(validate_constraints=False)
    if (
        fields.get("area")
        and fields.get("name")
        and Unit.objects.filter(area=fields["area"], name=fields["name"])
        .exclude(pk=exclude_pk)
        .exists()
    ):
        raise ValidationError({"name": [_("A unit of this name is already registered here.")]})
    return fields


@transaction.atomic
def unit_create(*, actor, data: dict[str, Any]) -> Unit:
    """Register a unit whose staff declare on returning to work."""
    return create_record(Unit, actor=actor, **unit_check(data=data))


@transaction.atomic
def unit_update(*, actor, unit: Unit, expected_version: int | None, data: dict) -> Unit:
    """Change a unit (its head, the declaration date)."""
    current = {name: getattr(unit, name) for name in UNIT_FIELDS}
    checked = unit_check(data={**current, **data}, exclude_pk=unit.pk)
    changes = {name: checked[name] for name in data if name in checked}
    return update_record(unit, actor=actor, expected_version=expected_version, changes=changes)


def unit_delete(*, actor, unit: Unit, reason: str, expected_version: int | None) -> Unit:
    """Soft delete with a reason."""
    return soft_delete_record(unit, actor=actor, reason=reason, expected_version=expected_version)


def staff_check(*, data: dict[str, Any], exclude_pk: int | None = None) -> dict[str, Any]:
    """Validate as ``staff_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in STAFF_FIELDS}
    UnitStaff(**fields).full_clean(validate_constraints=False)
    if (
        fields.get("unit")
        and fields.get("name")
        and UnitStaff.objects.filter(unit=fields["unit"], name=fields["name"])
        .exclude(pk=exclude_pk)
        .exists()
    ):
        raise ValidationError({"name": [_("This unit already lists a staff member of this name.")]})
    return fields


@transaction.atomic
def staff_create(*, actor, data: dict[str, Any]) -> UnitStaff:
    """Add a staff member to a unit the actor may change."""
    return create_record(UnitStaff, actor=actor, **staff_check(data=data))


@transaction.atomic
def staff_update(*, actor, staff: UnitStaff, expected_version: int | None, data: dict):
    """Change a staff member (link the registry person, the user account)."""
    current = {name: getattr(staff, name) for name in STAFF_FIELDS}
    checked = staff_check(data={**current, **data}, exclude_pk=staff.pk)
    changes = {name: checked[name] for name in data if name in checked}
    return update_record(staff, actor=actor, expected_version=expected_version, changes=changes)


# ------------------------------------------------------------------------------ declarations

DECLARATION_INPUT = (
    "returned_on",
    "travel_origin",
    "arrival_date",
    "contact",
    "symptoms",
    "temperature",
    "note",
)


def may_declare_for(actor, staff: UnitStaff) -> bool:
    """The staff member themself, the unit's head, or someone who may add declarations in the
    unit's area."""
    return (
        (staff.user_id is not None and staff.user_id == actor.pk)
        or (staff.unit.head_id is not None and staff.unit.head_id == actor.pk)
        or covers(actor, "surveys.add_declaration", staff)
    )


@transaction.atomic
def declaration_submit(*, actor, staff: UnitStaff, data: dict[str, Any]) -> Declaration:
    """File a new version of a staff member's declaration; the previous one is kept (no longer
    current). A risky answer links the registry person's key-person record and alerts the
    unit's area. ``PermissionDenied`` unless ``may_declare_for``."""
    if not may_declare_for(actor, staff):
        raise PermissionDenied
    staff = UnitStaff.objects.select_for_update().select_related("unit__area").get(pk=staff.pk)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    values: dict[str, Any] = {}
    for key in ("returned_on", "arrival_date"):
        try:
            values[key] = _date(data.get(key), key)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            values[key] = None
        if values[key] and values[key] > today:
            errors.setdefault(key, []).append(_("This date is in the future."))
    for key, n in (("travel_origin", 100), ("note", 200)):
        try:
            values[key] = _text(data.get(key), key, n)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            values[key] = ""
    try:
        values["contact"] = _bool(data.get("contact"), "contact")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        values["contact"] = False
    symptoms = data.get("symptoms") or []
    if isinstance(symptoms, str):
        symptoms = [s for s in symptoms.split(",") if s]
    if not isinstance(symptoms, list) or any(s not in SYMPTOM_CODES for s in symptoms):
        errors["symptoms"] = [
            _("Unknown symptom; choose from: %(codes)s.")
            % {"codes": ", ".join(sorted(SYMPTOM_CODES))}
        ]
        symptoms = []
    values["symptoms"] = ",".join(sorted(set(symptoms)))
    values["temperature"] = None
    if data.get("temperature") not in (None, ""):
        try:
            values["temperature"] = validate_temperature(data["temperature"])
        except ValidationError as exc:
            errors["temperature"] = exc.messages
    if values.get("arrival_date") and not values.get("travel_origin"):
        errors.setdefault("travel_origin", []).append(_("Say where they came back from."))
    if errors:
        raise ValidationError(errors)
    cats = risk_categories(
        since=staff.unit.since_date,
        origin=values["travel_origin"],
        arrival=values["arrival_date"],
        symptoms=symptoms,
        temperature=values["temperature"],
        contact=values["contact"],
    )
    last = (
        Declaration.objects.filter(staff=staff).order_by("-number").values_list("number", flat=True)
    ).first()
    Declaration.objects.filter(staff=staff, current=True).update(current=False)
    declaration = Declaration(
        staff=staff,
        number=(last or 0) + 1,
        current=True,
        declared_at=timezone.now(),
        self_declared=staff.user_id == actor.pk,
        risk=",".join(cats),
        **values,
    )
    declaration.full_clean(exclude=["staff"], validate_constraints=False)
    declaration._history_user = actor
    declaration.save()
    if cats:
        _declaration_risk(actor=actor, declaration=declaration, cats=cats)
    return declaration


def _declaration_risk(*, actor, declaration: Declaration, cats: list[str]) -> None:
    from fangkong.alerts.services import raise_alert
    from fangkong.observation.services import register_key_person

    staff = declaration.staff
    if staff.person_id:
        for cat in cats:
            register_key_person(
                actor=actor,
                person=staff.person,
                category=cat,
                source="self_report",
                origin=declaration.travel_origin if cat in ("wuhan", "hubei") else "",
                arrival_date=declaration.arrival_date if cat in ("wuhan", "hubei") else None,
                note=_("Declared to %(unit)s on returning to work.") % {"unit": staff.unit.name},
                source_ref=f"surveys.declaration:{declaration.pk}",
                identified_at=declaration.declared_at,
                on_behalf=True,
            )
    raise_alert(
        kind="survey_risk",
        area=staff.unit.area,
        roles=("town_officer", "village_cadre"),
        title=_("Staff declaration: %(name)s of %(unit)s needs follow-up")
        % {"name": staff.name, "unit": staff.unit.name},
        body=", ".join(cats),
        link=reverse("surveys:declaration_detail", args=[declaration.pk]),
        source=f"surveys.declaration:{declaration.pk}",
        dedupe_key=f"declaration:{declaration.pk}",
        raised_at=declaration.declared_at,
    )


def as_decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))
