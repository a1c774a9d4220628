"""Writes of key persons and observations that other modules call.

``register_key_person`` and ``start_observation`` are used by checkpoints (a traveller from a
risk origin), medical (contacts of a case, triage), surveys (a risky answer) and big-data lists
(a verified arrival). They are **consequences** of a write the caller has already authorised
(the clerk registered a passage at their checkpoint), so with ``on_behalf=True`` they skip the
actor's own scope check for the person's grid — the clerk never sees that grid — while the
change history still names the actor. Called directly from a key-person screen they check
scope like any other write (``on_behalf=False``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.exceptions import StaleVersion
from fangkong.core.services import (
    create_record,
    ensure_in_scope,
    soft_delete_record,
    update_record,
)
from fangkong.core.validators import validate_mobile, validate_temperature
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    KeyPersonCategory,
    MeasureTick,
    Observation,
    ObservationSite,
    ReleaseNotice,
    RosterEntry,
    TeamMember,
    TeamRole,
)


def observation_days() -> int:
    return getattr(settings, "FANGKONG_OBSERVATION_DAYS", 14)


def _category(category: str | KeyPersonCategory) -> KeyPersonCategory:
    if isinstance(category, KeyPersonCategory):
        return category
    try:
        return KeyPersonCategory.objects.get(code=category)
    except KeyPersonCategory.DoesNotExist as exc:
        raise ValidationError(
            {"category": _("Unknown key-person category “%(code)s”.") % {"code": category}}
        ) from exc


def _insert(model, *, actor, on_behalf: bool, **fields):
    if not on_behalf:
        return create_record(model, actor=actor, **fields)
    obj = model(**fields)
    obj.full_clean(validate_constraints=False)
    obj._history_user = actor
    obj.save()
    return obj


def open_key_person(person, category: str | KeyPersonCategory) -> KeyPerson | None:
    """The person's open (not closed) key-person record of this category, if any."""
    return (
        KeyPerson.all_objects.filter(
            person=person, category=_category(category), deleted_at__isnull=True
        )
        .exclude(status=KeyPerson.Status.CLOSED)
        .first()
    )


def register_key_person(
    *,
    actor,
    person,
    category: str | KeyPersonCategory,
    source: str,
    origin: str = "",
    arrival_date: dt.date | None = None,
    last_exposure_date: dt.date | None = None,
    note: str = "",
    source_ref: str = "",
    area=None,
    identified_at: dt.datetime | None = None,
    on_behalf: bool = False,
) -> tuple[KeyPerson, bool]:
    """Create the person's key-person record of ``category``, or link to the open one.

    Returns ``(record, created)``. An open record of the same category is reused (its missing
    dates filled in), so a traveller named by a checkpoint, a survey and a carrier list is one
    key person; the database's unique index settles a race between two such writes. ``area``
    defaults to the person's own area (their grid)."""
    cat = _category(category)
    if not on_behalf:
        # Also before linking: a user who may not add key persons there must not reach (and
        # fill in) someone's open record by asking to create it.
        ensure_in_scope(
            actor, "add", KeyPerson(person=person, category=cat, area=area or person.area)
        )
    existing = open_key_person(person, cat)
    if existing is not None:
        return _fill_in(existing, arrival_date, last_exposure_date, origin, actor), False
    fields = {
        "person": person,
        "category": cat,
        "source": source,
        "source_ref": source_ref[:80],
        "origin": origin,
        "arrival_date": arrival_date,
        "last_exposure_date": last_exposure_date,
        "note": note,
        "area": area or person.area,
        "identified_at": identified_at or timezone.now(),
    }
    try:
        with transaction.atomic():
            return _insert(KeyPerson, actor=actor, on_behalf=on_behalf, **fields), True
    except IntegrityError:
        existing = open_key_person(person, cat)
        if existing is None:
            raise
        return existing, False


def _fill_in(record: KeyPerson, arrival, exposure, origin, actor) -> KeyPerson:
    changed = []
    if arrival and not record.arrival_date:
        record.arrival_date = arrival
        changed.append("arrival_date")
    # A later exposure moves the observation's end: keep the latest one.
    if exposure and (not record.last_exposure_date or exposure > record.last_exposure_date):
        record.last_exposure_date = exposure
        changed.append("last_exposure_date")
    if origin and not record.origin:
        record.origin = origin
        changed.append("origin")
    if changed:
        record.version += 1
        record._history_user = actor
        record.save(update_fields=[*changed, "version", "updated_at"])
    return record


def planned_end(key_person: KeyPerson, start: dt.date) -> dt.date:
    """Last exposure (or arrival, or the start) + the observation period."""
    base = key_person.last_exposure_date or key_person.arrival_date or start
    return base + dt.timedelta(days=observation_days())


def active_observation(person) -> Observation | None:
    return Observation.all_objects.filter(
        person=person, status=Observation.Status.ACTIVE, deleted_at__isnull=True
    ).first()


def start_observation(
    *,
    actor,
    key_person: KeyPerson,
    kind: str = Observation.Kind.HOME,
    start_date: dt.date | None = None,
    site=None,
    room: str = "",
    started_at: dt.datetime | None = None,
    on_behalf: bool = False,
) -> tuple[Observation, bool]:
    """Place the key person under 14-day observation, or return their active one.

    Returns ``(observation, created)``. A person has one active observation at a time (the
    database enforces it); a second key-person record for someone already observed links to
    the running observation instead of starting another."""
    person = key_person.person
    running = active_observation(person)
    if running is not None:
        return running, False
    start = start_date or timezone.localdate()
    if kind == Observation.Kind.CENTRALISED and site is None:
        raise ValidationError({"site": _("Choose the centralised observation site.")})
    fields = {
        "key_person": key_person,
        "person": person,
        "kind": kind,
        "site": site,
        "room": room,
        "start_date": start,
        "planned_end_date": max(planned_end(key_person, start), start),
        "started_at": started_at or timezone.now(),
        "area": key_person.area,
    }
    try:
        with transaction.atomic():
            obs = _insert(Observation, actor=actor, on_behalf=on_behalf, **fields)
    except IntegrityError:
        running = active_observation(person)
        if running is None:
            raise
        return running, False
    if key_person.status != KeyPerson.Status.OBSERVING:
        key_person.status = KeyPerson.Status.OBSERVING
        key_person.version += 1
        key_person._history_user = actor
        key_person.save(update_fields=["status", "version", "updated_at"])
    # The 六包一 team from the standing roster of the person's grid (village, town above it).
    fill_team(obs, actor)
    return obs, True


# =========================================================================== module services
# Everything below is the observation module's own writes (screens, API, batch, commands).


def current_half(moment: dt.datetime | None = None) -> str:
    """The half-day of ``moment`` (local time): morning before 12:00, afternoon after."""
    local = timezone.localtime(moment or timezone.now())
    return HealthCheck.Half.MORNING if local.hour < 12 else HealthCheck.Half.AFTERNOON


def half_closes_at(day: dt.date, half: str) -> dt.datetime:
    """When a half-day's checks are due by (12:00, or 24:00 for the afternoon), local time."""
    base = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return base + dt.timedelta(hours=12 if half == HealthCheck.Half.MORNING else 24)


def ancestor(area, levels) -> object:
    """The nearest area at one of ``levels`` at or above ``area`` (``area`` itself if none)."""
    from fangkong.places.models import Area

    prefixes = [area.path[:i] for i in range(1, len(area.path) + 1)]
    found = (
        Area.objects.filter(path__in=prefixes, level__in=list(levels)).order_by("-level").first()
    )
    return found or area


def village_of(area):
    from fangkong.places.models import Area

    return ancestor(area, (Area.Level.VILLAGE, Area.Level.COMMUNITY))


def town_of(area):
    from fangkong.places.models import Area

    return ancestor(area, (Area.Level.TOWN,))


# --------------------------------------------------------------------------- key persons

KEY_PERSON_FIELDS = (
    "person",
    "category",
    "source",
    "origin",
    "arrival_date",
    "last_exposure_date",
    "note",
)


def key_person_check(*, actor, data: dict, exclude_pk: int | None = None) -> dict:
    """Validate as ``key_person_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in KEY_PERSON_FIELDS}
    person = fields.get("person")
    errors: dict = {}
    if person is None:
        errors["person"] = [_("Choose the person.")]
    if not fields.get("category"):
        errors["category"] = [_("Choose the category.")]
    if not fields.get("source"):
        fields["source"] = KeyPerson.Source.MANUAL
    today = timezone.localdate()
    for name in ("arrival_date", "last_exposure_date"):
        if fields.get(name) and fields[name] > today:
            errors[name] = [_("This date is in the future.")]
    if errors:
        raise ValidationError(errors)
    record = KeyPerson(area=person.area, **fields)
    record.full_clean(exclude=["person", "category", "area"], validate_constraints=False)
    fields["area"] = person.area
    return fields


@transaction.atomic
def key_person_create(*, actor, data: dict) -> KeyPerson:
    """A key person entered by hand (or imported): linked to the person's open record of the
    same category if there is one, so the list never shows the same need twice."""
    fields = key_person_check(actor=actor, data=data)
    # Linking to an existing open record writes nothing new, so the scope is checked here, not
    # only by the insert: someone who may not add key persons there learns nothing either.
    ensure_in_scope(actor, "add", KeyPerson(area=fields["area"], person=fields["person"]))
    record, _created = register_key_person(
        actor=actor,
        person=fields["person"],
        category=fields["category"],
        source=fields["source"],
        origin=fields.get("origin", ""),
        arrival_date=fields.get("arrival_date"),
        last_exposure_date=fields.get("last_exposure_date"),
        note=fields.get("note", ""),
        area=fields["area"],
    )
    return record


@transaction.atomic
def key_person_update(*, actor, key_person: KeyPerson, expected_version, data: dict) -> KeyPerson:
    """Correct origin, dates, category or note; the person stays the same."""
    allowed = ("category", "source", "origin", "arrival_date", "last_exposure_date", "note")
    changes = {k: v for k, v in data.items() if k in allowed}
    today = timezone.localdate()
    for name in ("arrival_date", "last_exposure_date"):
        if changes.get(name) and changes[name] > today:
            raise ValidationError({name: _("This date is in the future.")})
    return update_record(
        key_person, actor=actor, expected_version=expected_version, changes=changes
    )


def key_person_delete(*, actor, key_person, reason: str, expected_version) -> KeyPerson:
    """Soft delete (a record entered by mistake); it stays in the change history."""
    if key_person.observations.filter(status=Observation.Status.ACTIVE).exists():
        raise ValidationError(_("This key person is under observation; end it first."))
    return soft_delete_record(
        key_person, actor=actor, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def key_person_close(*, actor, key_person: KeyPerson, reason: str, expected_version) -> KeyPerson:
    """Close a key person who needs no observation (e.g. verified not to have been in Hubei)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the record is closed.")})
    if key_person.observations.filter(status=Observation.Status.ACTIVE).exists():
        raise ValidationError(_("This key person is under observation; end it first."))
    note = f"{key_person.note}\n{reason}".strip()
    return update_record(
        key_person,
        actor=actor,
        expected_version=expected_version,
        changes={"status": KeyPerson.Status.CLOSED, "closed_at": timezone.now(), "note": note},
    )


# --------------------------------------------------------------------------- teams


def roster_for(area) -> dict[int, RosterEntry]:
    """The standing roster that serves ``area``: per team role, the entry of the nearest area
    (grid, then village, then town, then district) that has one."""
    prefixes = [area.path[:i] for i in range(1, len(area.path) + 1)]
    entries = (
        RosterEntry.objects.filter(area__path__in=prefixes)
        .select_related("area", "role")
        .order_by("role_id", "-area__level")
    )
    chosen: dict[int, RosterEntry] = {}
    for entry in entries:
        chosen.setdefault(entry.role_id, entry)
    return chosen


def fill_team(observation: Observation, actor) -> list[TeamMember]:
    """Give a new observation its 六包一 team from the standing roster of its area (one member
    per active team role that the roster fills; seats the roster leaves empty stay empty and
    the observation's page says so). A system step of the write that started the observation."""
    roster = roster_for(observation.area)
    have = set(observation.team.values_list("role_id", flat=True))
    members = []
    for role in TeamRole.objects.filter(active=True):
        entry = roster.get(role.pk)
        if entry is None or role.pk in have:
            continue
        member = TeamMember(
            observation=observation, role=role, name=entry.name, phone=entry.phone, user=entry.user
        )
        member.refresh_sensitive_indexes()
        member._history_user = actor
        member.save()
        members.append(member)
    return members


def _member_fields(data: dict) -> dict:
    fields = {
        k: v for k, v in data.items() if k in ("observation", "role", "name", "phone", "user")
    }
    if fields.get("phone"):
        try:
            fields["phone"] = validate_mobile(fields["phone"])
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    return fields


def team_member_check(*, actor, data: dict, exclude_pk: int | None = None) -> dict:
    fields = _member_fields(data)
    member = TeamMember(**fields)
    member.full_clean(exclude=["observation", "role", "user"], validate_constraints=False)
    obs, role = fields.get("observation"), fields.get("role")
    if obs is None:
        raise ValidationError({"observation": _("Choose the observation.")})
    if role is None:
        raise ValidationError({"role": _("Choose the team role.")})
    taken = TeamMember.objects.filter(observation=obs, role=role).exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"role": _("This seat of the team is already filled; edit it.")})
    return fields


@transaction.atomic
def team_member_create(*, actor, data: dict) -> TeamMember:
    """Add a member to an observation's team (one per role)."""
    return create_record(TeamMember, actor=actor, **team_member_check(actor=actor, data=data))


@transaction.atomic
def team_member_update(*, actor, member: TeamMember, expected_version, data: dict) -> TeamMember:
    """Change who fills a seat (name, phone, account); the role and observation stay."""
    current = {"observation": member.observation, "role": member.role, "name": member.name}
    fields = team_member_check(actor=actor, data={**current, **data}, exclude_pk=member.pk)
    changes = {k: fields[k] for k in data if k in ("name", "phone", "user", "role")}
    return update_record(member, actor=actor, expected_version=expected_version, changes=changes)


@transaction.atomic
def team_member_delete(*, actor, member: TeamMember, reason: str, expected_version) -> None:
    """Free a seat (the change history keeps who held it)."""
    locked = TeamMember.objects.select_for_update().get(pk=member.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked)
    ensure_in_scope(actor, "delete", locked)
    locked._history_user = actor
    locked._change_reason = reason[:100]
    locked.delete()
    return locked


ROSTER_FIELDS = ("area", "role", "name", "phone", "user")


def roster_check(*, actor, data: dict, exclude_pk: int | None = None) -> dict:
    fields = {k: v for k, v in data.items() if k in ROSTER_FIELDS}
    if fields.get("phone"):
        try:
            fields["phone"] = validate_mobile(fields["phone"])
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    RosterEntry(**fields).full_clean(exclude=["area", "role", "user"], validate_constraints=False)
    area, role = fields.get("area"), fields.get("role")
    if area is None:
        raise ValidationError({"area": _("Choose the grid or village.")})
    if role is None:
        raise ValidationError({"role": _("Choose the team role.")})
    if RosterEntry.objects.filter(area=area, role=role).exclude(pk=exclude_pk).exists():
        raise ValidationError({"role": _("This area already has someone in this role; edit it.")})
    return fields


@transaction.atomic
def roster_create(*, actor, data: dict) -> RosterEntry:
    """Name who usually serves in a team role in a grid or village."""
    return create_record(RosterEntry, actor=actor, **roster_check(actor=actor, data=data))


@transaction.atomic
def roster_update(*, actor, entry: RosterEntry, expected_version, data: dict) -> RosterEntry:
    current = {name: getattr(entry, name) for name in ROSTER_FIELDS}
    fields = roster_check(actor=actor, data={**current, **data}, exclude_pk=entry.pk)
    changes = {k: fields[k] for k in data if k in fields}
    return update_record(entry, actor=actor, expected_version=expected_version, changes=changes)


def roster_delete(*, actor, entry: RosterEntry, reason: str, expected_version) -> RosterEntry:
    return soft_delete_record(entry, actor=actor, reason=reason, expected_version=expected_version)


# --------------------------------------------------------------------------- sites

SITE_FIELDS = ("area", "name", "address", "capacity", "phone", "active")


def site_check(*, actor, data: dict, exclude_pk: int | None = None) -> dict:
    fields = {k: v for k, v in data.items() if k in SITE_FIELDS}
    ObservationSite(**fields).full_clean(exclude=["area"], validate_constraints=False)
    if fields.get("area") is None:
        raise ValidationError({"area": _("Choose the area.")})
    return fields


@transaction.atomic
def site_create(*, actor, data: dict) -> ObservationSite:
    """Register a centralised observation site with its number of rooms."""
    return create_record(ObservationSite, actor=actor, **site_check(actor=actor, data=data))


@transaction.atomic
def site_update(*, actor, site: ObservationSite, expected_version, data: dict) -> ObservationSite:
    current = {name: getattr(site, name) for name in SITE_FIELDS}
    fields = site_check(actor=actor, data={**current, **data}, exclude_pk=site.pk)
    changes = {k: fields[k] for k in data if k in fields}
    occupied = site.observations.filter(status=Observation.Status.ACTIVE).count()
    if "capacity" in changes and changes["capacity"] < occupied:
        raise ValidationError(
            {
                "capacity": _("%(n)d rooms are occupied; the site cannot have fewer.")
                % {"n": occupied}
            }
        )
    return update_record(site, actor=actor, expected_version=expected_version, changes=changes)


def site_delete(*, actor, site, reason: str, expected_version) -> ObservationSite:
    if site.observations.filter(status=Observation.Status.ACTIVE).exists():
        raise ValidationError(_("People are under observation at this site."))
    return soft_delete_record(site, actor=actor, reason=reason, expected_version=expected_version)


def _check_room(site, exclude_obs=None) -> None:
    if site is None:
        return
    if not site.active:
        raise ValidationError({"site": _("This site is closed.")})
    occupied = site.observations.filter(status=Observation.Status.ACTIVE)
    if exclude_obs is not None:
        occupied = occupied.exclude(pk=exclude_obs.pk)
    if site.capacity and occupied.count() >= site.capacity:
        raise ValidationError(
            {"site": _("%(site)s is full (%(n)d rooms).") % {"site": site.name, "n": site.capacity}}
        )


# --------------------------------------------------------------------------- observations

OBSERVATION_FIELDS = ("key_person", "kind", "site", "room", "start_date")


def observation_check(*, actor, data: dict, exclude_pk: int | None = None) -> dict:
    """Validate a start of observation as ``observation_create`` would, without writing."""
    fields = {k: v for k, v in data.items() if k in OBSERVATION_FIELDS}
    kp = fields.get("key_person")
    errors: dict = {}
    if kp is None:
        errors["key_person"] = [_("Choose the key person.")]
    kind = fields.get("kind") or Observation.Kind.HOME
    fields["kind"] = kind
    if kind == Observation.Kind.CENTRALISED and not fields.get("site"):
        errors["site"] = [_("Choose the centralised observation site.")]
    if kind == Observation.Kind.HOME:
        fields["site"], fields["room"] = None, ""
    start = fields.get("start_date") or timezone.localdate()
    if start > timezone.localdate():
        errors["start_date"] = [_("The observation cannot start in the future.")]
    fields["start_date"] = start
    if errors:
        raise ValidationError(errors)
    if kp.status == KeyPerson.Status.CLOSED:
        raise ValidationError({"key_person": _("This key-person record is closed.")})
    if active_observation(kp.person) is not None:
        raise ValidationError({"key_person": _("This person is already under observation.")})
    _check_room(fields.get("site"))
    return fields


@transaction.atomic
def observation_create(*, actor, data: dict) -> Observation:
    """Start a key person's observation from a screen or the API (the actor's own scope), with
    the 六包一 team filled from the roster."""
    fields = observation_check(actor=actor, data=data)
    ensure_in_scope(actor, "change", fields["key_person"])
    obs, _created = start_observation(actor=actor, **fields)
    return obs


def _locked(observation: Observation, actor, expected_version) -> Observation:
    locked = Observation.objects.select_for_update().select_related("area").get(pk=observation.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked)
    ensure_in_scope(actor, "change", locked)
    if locked.status != Observation.Status.ACTIVE:
        raise ValidationError(_("This observation has already ended."))
    return locked


def _save_obs(obs: Observation, actor, reason: str) -> Observation:
    obs.version += 1
    obs._history_user = actor
    obs._change_reason = reason[:100]
    obs.full_clean(validate_constraints=False)
    obs.save()
    return obs


@transaction.atomic
def observation_extend(
    *, actor, observation: Observation, new_end: dt.date, reason: str, expected_version
) -> Observation:
    """Move the planned end later (a new exposure, a doubtful check), with the reason kept."""
    obs = _locked(observation, actor, expected_version)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the observation is extended.")})
    if new_end is None or new_end <= obs.planned_end_date:
        raise ValidationError(
            {
                "new_end": _("Choose a date after the planned end (%(d)s).")
                % {"d": obs.planned_end_date}
            }
        )
    obs.planned_end_date = new_end
    obs.extension_reason = reason.strip()[:200]
    return _save_obs(obs, actor, reason)


@transaction.atomic
def observation_transfer(
    *, actor, observation: Observation, hospital: str, reason: str, expected_version
) -> Observation:
    """The observed person was taken to hospital: the observation ends, the clinic takes over."""
    obs = _locked(observation, actor, expected_version)
    if not (hospital or "").strip():
        raise ValidationError({"hospital": _("Name the hospital.")})
    obs.status = Observation.Status.HOSPITAL
    obs.hospital = hospital.strip()[:80]
    obs.ended_at = timezone.now()
    obs.end_reason = (reason or "").strip()[:200]
    _save_obs(obs, actor, reason or hospital)
    _close_key_person(obs.key_person, actor)
    return obs


def _close_key_person(kp: KeyPerson, actor) -> None:
    kp.status, kp.closed_at = KeyPerson.Status.CLOSED, timezone.now()
    kp.version += 1
    kp._history_user = actor
    kp.save(update_fields=["status", "closed_at", "version", "updated_at"])


def release_blockers(observation: Observation, today: dt.date | None = None) -> list[str]:
    """Why the observation cannot be released today (empty: it can). It ends only at the end
    of its period and only when its last checks (the last two) were made and were normal."""
    today = today or timezone.localdate()
    reasons = []
    if observation.status != Observation.Status.ACTIVE:
        return [_("This observation has already ended.")]
    if today < observation.planned_end_date:
        reasons.append(
            _("The observation period ends on %(d)s; it cannot be released before.")
            % {"d": observation.planned_end_date}
        )
    last = list(observation.checks.order_by("-date", "-half")[:2])
    if len(last) < 2:
        reasons.append(_("The last two checks are missing; check the person first."))
    for check in last:
        if check.abnormal:
            reasons.append(
                _("The check of %(d)s %(h)s was not normal (%(t)s °C%(s)s).")
                % {
                    "d": check.date,
                    "h": check.get_half_display(),
                    "t": check.temperature,
                    "s": _(", symptoms") if not check.fever else "",
                }
            )
    if last and (today - last[0].date).days > 1:
        reasons.append(
            _("The last check was on %(d)s; check the person again first.") % {"d": last[0].date}
        )
    return reasons


def issuing_body(area=None) -> str:
    """The body printed on release notices: ``FANGKONG_ISSUING_BODY``, else the epidemic
    command of the district the observation belongs to (the notice is always in Chinese)."""
    configured = getattr(settings, "FANGKONG_ISSUING_BODY", "")
    if configured:
        return configured
    from fangkong.places.models import Area

    district = ancestor(area, (Area.Level.DISTRICT,)) if area is not None else None
    if district is None or district.level != Area.Level.DISTRICT:
        district = Area.objects.filter(level=Area.Level.DISTRICT).order_by("path").first()
    return f"{district.name}疫情防控指挥部" if district else "疫情防控指挥部"


@transaction.atomic
def observation_release(
    *, actor, observation: Observation, expected_version, today: dt.date | None = None
) -> Observation:
    """Release at the end of the period when the last checks were normal (else refused with
    every reason), issue the numbered release notice and close the key-person record."""
    obs = _locked(observation, actor, expected_version)
    today = today or timezone.localdate()
    blockers = release_blockers(obs, today)
    if blockers:
        raise ValidationError(blockers, code="release_refused")
    obs.status = Observation.Status.RELEASED
    obs.ended_at = timezone.now()
    obs.end_reason = _("released at the end of the observation period")
    _save_obs(obs, actor, "release")
    year = today.year
    count = ReleaseNotice.objects.filter(issued_on__year=year).count()
    notice = ReleaseNotice(
        observation=obs,
        number=f"{year}-{obs.area.code[:6]}-{count + 1:05d}-{obs.pk}",
        issuing_body=issuing_body(obs.area),
        issued_on=today,
        issued_by=actor,
    )
    notice._history_user = actor
    notice.save()
    _close_key_person(obs.key_person, actor)
    return obs


@transaction.atomic
def measure_toggle(*, actor, observation: Observation, measure, done: bool) -> None:
    """Tick (or untick) one 六个一 measure for an observation."""
    ensure_in_scope(actor, "change", observation)
    if done:
        MeasureTick.objects.get_or_create(
            observation=observation, measure=measure, defaults={"done_by": actor}
        )
    else:
        MeasureTick.objects.filter(observation=observation, measure=measure).delete()


# --------------------------------------------------------------------------- checks

CHECK_FIELDS = ("observation", "date", "half", "temperature", "symptoms", "note", "checked_at")


def is_team_member(actor, observation) -> bool:
    return bool(
        getattr(actor, "pk", None)
        and TeamMember.objects.filter(observation=observation, user=actor).exists()
    )


def check_check(*, actor, data: dict, exclude_pk: int | None = None, unique: bool = True) -> dict:
    """Validate a check as ``check_create`` would, without writing: a real temperature
    (34.0–43.0 °C), the observation under way, the date not in the future and inside the
    observation period, and (``unique``) not already recorded for that half-day."""
    fields = {k: v for k, v in data.items() if k in CHECK_FIELDS and k != "symptoms"}
    obs = fields.get("observation")
    errors: dict = {}
    if obs is None:
        errors["observation"] = [_("Choose the observation.")]
    if fields.get("temperature") in (None, ""):
        errors["temperature"] = [_("Enter the temperature.")]
    else:
        try:
            fields["temperature"] = validate_temperature(fields["temperature"])
        except ValidationError as exc:
            errors["temperature"] = exc.messages
    now = timezone.now()
    day = fields.get("date") or timezone.localdate()
    fields["date"] = day
    fields["half"] = fields.get("half") or current_half(now)
    if fields["half"] not in HealthCheck.Half.values:
        errors["half"] = [_("Choose morning or afternoon.")]
    if day > timezone.localdate():
        errors["date"] = [_("A check cannot be dated in the future.")]
    elif (
        day == timezone.localdate()
        and fields["half"] == HealthCheck.Half.AFTERNOON
        and current_half(now) == HealthCheck.Half.MORNING
    ):
        errors["half"] = [_("It is still morning: the afternoon check cannot be recorded yet.")]
    if fields.get("checked_at") and fields["checked_at"] > now + dt.timedelta(minutes=5):
        errors["checked_at"] = [_("A check cannot be dated in the future.")]
    if obs is not None and "date" not in errors:
        end = obs.planned_end_date
        if obs.status != Observation.Status.ACTIVE and obs.ended_at:
            end = min(end, timezone.localtime(obs.ended_at).date())
        if day < obs.start_date or day > end:
            errors["date"] = [
                _("%(d)s is outside the observation period (%(a)s to %(b)s).")
                % {"d": day, "a": obs.start_date, "b": end}
            ]
        elif obs.status != Observation.Status.ACTIVE and day >= end:
            errors["observation"] = [_("This observation has already ended.")]
    if errors:
        raise ValidationError(errors)
    if not fields.get("checked_at"):
        fields["checked_at"] = (
            now
            if day == timezone.localdate()
            else half_closes_at(day, fields["half"]) - dt.timedelta(hours=3)
        )
    fields["checked_by"] = actor if getattr(actor, "pk", None) else None
    if (
        unique
        and HealthCheck.objects.filter(observation=obs, date=day, half=fields["half"])
        .exclude(pk=exclude_pk)
        .exists()
    ):
        raise ValidationError(
            {"half": _("This half-day's check is already recorded.")}, code="duplicate"
        )
    check = HealthCheck(**fields)
    check.full_clean(exclude=["observation", "checked_by"], validate_constraints=False)
    fields["fever"], fields["abnormal"] = check.fever, check.abnormal
    return fields


@transaction.atomic
def check_create(*, actor, data: dict) -> HealthCheck:
    """Record a check (from the door, on a phone). The actor must be able to add checks where
    the person lives, or be a member of the person's team; a fever or any symptom raises a
    triage-referral alert inside the same transaction. A second check of the same half-day is
    refused (the database's unique index settles a race)."""
    symptoms = list(data.get("symptoms") or [])
    fields = check_check(actor=actor, data=data)
    fields["abnormal"] = fields["abnormal"] or bool(symptoms)
    obs = fields["observation"]
    try:
        with transaction.atomic():
            if is_team_member(actor, obs):
                check = _insert(HealthCheck, actor=actor, on_behalf=True, **fields)
            else:
                check = create_record(HealthCheck, actor=actor, **fields)
            if symptoms:
                check.symptoms.set(symptoms)
    except IntegrityError:
        raise ValidationError(
            {"half": _("This half-day's check is already recorded.")}, code="duplicate"
        ) from None
    alert_abnormal_checks([check])
    return check


def alert_abnormal_checks(checks) -> None:
    """A triage-referral alert per abnormal check, to the clinicians and the village of the
    observed person (deduplicated per check)."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    abnormal = [c for c in checks if c.abnormal]
    if not abnormal:
        return
    observations = {
        o.pk: o
        for o in Observation.objects.select_related("person", "area").filter(
            pk__in={c.observation_id for c in abnormal}
        )
    }
    for check in abnormal:
        obs = observations[check.observation_id]
        raise_alert(
            kind=Alert.Kind.FEVER_CHECK,
            area=obs.area,
            roles=("clinician", "village_cadre", "grid_worker"),
            severity=Alert.Severity.URGENT,
            title=_("%(name)s: %(t)s °C at the %(h)s check — refer to triage")
            % {"name": obs.person.name, "t": check.temperature, "h": check.get_half_display()},
            body=_("Under observation in %(area)s; take the person to the fever clinic.")
            % {"area": obs.area.name},
            link=reverse("observation:observation_detail", args=[obs.pk]),
            source=f"observation.healthcheck:{check.pk}",
            dedupe_key=f"observation.check:{check.pk}",
            raised_at=check.checked_at,
        )


# --------------------------------------------------------------------------- missed checks


def missed_check_hours() -> tuple[int, int]:
    """(hours after a half-day closes before the village is told, before the town is told)."""
    return (
        getattr(settings, "FANGKONG_MISSED_CHECK_VILLAGE_HOURS", 0),
        getattr(settings, "FANGKONG_MISSED_CHECK_TOWN_HOURS", 6),
    )


def missed_checks(day: dt.date, half: str):
    """Observations under way on ``day`` without a check for that half-day."""
    from django.db.models import Exists, OuterRef

    done = HealthCheck.objects.filter(observation=OuterRef("pk"), date=day, half=half)
    return (
        Observation.objects.filter(start_date__lte=day, planned_end_date__gte=day)
        .filter(Q(status=Observation.Status.ACTIVE) | Q(ended_at__gt=half_closes_at(day, half)))
        .filter(started_at__lt=half_closes_at(day, half))
        .exclude(Exists(done))
        .select_related("person", "area")
    )


def escalate_missed_checks(*, now: dt.datetime | None = None, days: int = 2) -> dict[str, int]:
    """Alert the village about each missed check once its half-day has closed (plus the
    village delay), then the town after the town delay. Idempotent (one alert per observation,
    half-day and level): run it as often as you like (a cron line or the django-tasks task)."""
    from fangkong.alerts.models import Alert
    from fangkong.alerts.services import raise_alert

    now = now or timezone.now()
    village_h, town_h = missed_check_hours()
    today = timezone.localdate(now)
    raised = {"village": 0, "town": 0}
    for offset in range(days, -1, -1):
        day = today - dt.timedelta(days=offset)
        for half in (HealthCheck.Half.MORNING, HealthCheck.Half.AFTERNOON):
            closes = half_closes_at(day, half)
            if now < closes + dt.timedelta(hours=village_h):
                continue
            levels = [("village", village_of, ("village_cadre", "grid_worker"))]
            if now >= closes + dt.timedelta(hours=town_h):
                levels.append(("town", town_of, ("town_officer",)))
            label = HealthCheck.Half(half).label
            for obs in missed_checks(day, half).iterator(chunk_size=500):
                for level, where, roles in levels:
                    key = f"observation.missed:{obs.pk}:{day}:{half}:{level}"
                    with transaction.atomic():
                        alert = raise_alert(
                            kind=Alert.Kind.MISSED_CHECK,
                            area=where(obs.area),
                            roles=roles,
                            severity=Alert.Severity.WARNING
                            if level == "village"
                            else Alert.Severity.URGENT,
                            title=_("%(name)s: %(d)s %(h)s check missed")
                            % {"name": obs.person.name, "d": day, "h": label},
                            body=_("Under observation in %(area)s.") % {"area": obs.area.name},
                            link=reverse("observation:observation_detail", args=[obs.pk]),
                            source=f"observation.observation:{obs.pk}",
                            dedupe_key=key,
                        )
                    if alert.raised_at >= now - dt.timedelta(seconds=5):
                        raised[level] += 1
    return raised


def notice_printed(notice: ReleaseNotice, actor) -> None:
    """Count a print of the release notice (its change history names who printed it)."""
    notice.printed += 1
    notice.version += 1
    notice._history_user = actor
    notice._change_reason = "printed"
    notice.save(update_fields=["printed", "version", "updated_at"])
