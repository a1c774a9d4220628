"""The jurisdiction walk: every registered URL and API route, as users who must see nothing.

Nothing here names a view. The walker reads the URL resolver (UI, includes, and the
django-ninja API under /api/v1/, whose routes are ordinary URL patterns) and the OpenAPI schema,
and requests every route with everything that could point at the records of 河坝镇 (the in-scope
town):

- path parameters: every int parameter with the id of every in-scope record (the records share
  ids across tables, so a handful of ids covers a person, a household, an area, a user...);
- query parameters: the names the templates link with (``{% url 'x' %}?keep=..&drop=..``), the
  GET forms a page renders (the filters) and the API's declared query parameters, each filled
  with in-scope ids, plus search terms and export switches;
- bodies: every POST form a page renders for an all-seeing harvester (edit forms with the right
  ``version``, delete and merge forms with a reason, the export form), and for API writes a
  valid JSON body built from the OpenAPI request schema (create, patch with the record's current
  version, delete with a reason). A required body field it cannot fill fails the route.

Personas:

- ``walker`` holds EVERY role in 金盆镇, another town (so a refusal is about where, never
  about what), through a browser session and an API token;
- ``reader`` holds every view permission (and nothing else) in 河坝镇 itself: every change and
  delete route must refuse it;
- an anonymous visitor, who must be sent to log in.

A route fails when:

- a response is a server error (500), or
- a walker's response contains anything that identifies the in-scope records: distinctive
  names, addresses, the ID and phone numbers in full or masked form, their blind indexes, or
- a walker's page or JSON changes when the in-scope town grows by a few persons and households
  (a leaked count or aggregate: the other town's total on home, a pager count...), or
- an in-scope record was changed by any walker or reader request, or the reader was shown a
  change form or got anything but a refusal from an API write, or
- an anonymous visitor gets anything other than a redirect to the login page, 401, 403 or 405.

Routes whose converters, query parameters or body fields the walker does not know fail with the
reason in the test id: a new module teaches the walker (KNOWN_CONVERTERS, BODY_FIELDS) rather
than leaving a route unwalked. ``tools/mutations.py`` proves the walk by removing scoping from a
list, a detail, an export, a choice list, an aggregate count and the merge page, one at a time:
the walk must fail each time (docs/testing.md).
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from fangkong.command.testing import walk_records
from fangkong.core.jobs import run_job
from fangkong.core.models import AccessLog, ApiToken, Job, Role, RoleGrant, SecurityEvent, User
from fangkong.core.testing import make_id_number, make_user
from fangkong.core.tokens import token_create
from fangkong.core.validators import mask_mobile, mask_resident_id
from fangkong.observation.models import (
    HealthCheck,
    KeyPerson,
    KeyPersonCategory,
    Observation,
    ObservationSite,
    RosterEntry,
    TeamMember,
    TeamRole,
)
from fangkong.people.models import Person
from fangkong.people.services import person_create, person_delete
from fangkong.places.models import Area, Household
from fangkong.places.services import household_create

# Routes outside the walk, each for a reason: no jurisdiction data behind them.
EXCLUDED_PREFIXES = (
    "django-admin/",  # staff only (no persona here is staff); Django's own permission checks
    "static/",
    "media/",
    "i18n/",  # set_language
)
EXCLUDED_NAMES = {
    "login",
    "logout",  # the way in and out
    "openapi-json",
    "openapi-view",
    "api-root",  # API schema, docs and root: no records
    "set_language",
}
# Anonymous visitors may see these (the way in); everything else must send them to log in.
PUBLIC_NAMES: set[str] = set()

SESSION_BACKEND = "fangkong.core.auth.RoleGrantBackend"
KNOWN_CONVERTERS = {
    converters.IntConverter: "int",
    converters.StringConverter: "str",
    converters.SlugConverter: "str",
    converters.PathConverter: "str",
    converters.UUIDConverter: "uuid",
}
API_PREFIX = "api/"
MAX_COMBINATIONS = 80
# Query strings a list might filter by, with an in-scope id: the commonest alone (one bad value
# could make a filter form reject the whole query), the rest together. Search terms are not
# markers themselves, since a page may echo the visitor's own query back.
LIST_QUERY_GROUPS = (
    ("area", "parent", "town", "village", "grid"),
    ("household", "area_id", "household_id", "person"),
)
SEARCH_KEYS = ("q", "query", "search", "name", "initials")
LIST_KEYS = tuple(k for group in LIST_QUERY_GROUPS for k in group)
NON_ID_KEYS = {"csrfmiddlewaretoken"}
# Text fields a harvested edit form gets changed, so that a refused edit is not a no-op.
TEXT_TO_CHANGE = {"name", "address", "current_address", "head_name", "description", "note"}
# Routes that leak today and are fixed on another branch: strict, so a fix turns them red here
# until the entry is removed. Empty when every lane is merged.
KNOWN_LEAKS: dict[str, pytest.MarkDecorator] = {}
EXPORT_QUERY = {"export": "xlsx", "format": "xlsx"}
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


# --------------------------------------------------------------------------- route discovery


@dataclass
class Route:
    route: str
    names: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    methods: set[str] = field(default_factory=set)
    skip: str = ""

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX)

    @property
    def test_id(self) -> str:
        label = f"{self.route or '/'} [{'/'.join(sorted(self.names))}]"
        return f"{label} UNWALKABLE: {self.skip}" if self.skip else label


def _ninja_operations(callback) -> list | None:
    """The operations of a django-ninja PathView (its view function closes over the PathView)."""
    if not inspect.isfunction(callback):
        return None
    owner = inspect.getclosurevars(callback).nonlocals.get("self")
    return getattr(owner, "operations", None)


def _ninja_int_params(operations) -> set[str]:
    """Path parameters a ninja handler declares as int (its route shows them as plain str)."""
    names = set()
    for op in operations:
        for name, param in inspect.signature(op.view_func).parameters.items():
            if param.annotation in (int, "int"):
                names.add(name)
    return names


def _django_methods(callback) -> set[str]:
    view_class = getattr(callback, "view_class", None)
    if view_class is None:
        return {"GET", "POST"}  # a function view: try both, 405 is a fine answer
    methods = {"GET"} if hasattr(view_class, "get") else set()
    methods |= {m.upper() for m in ("post", "put", "patch", "delete") if hasattr(view_class, m)}
    return methods or {"GET", "POST"}


def _pattern_piece(pattern) -> tuple[str, list[tuple[str, str]], str]:
    """(route text with <name> placeholders, [(name, kind)], skip reason) for one pattern."""
    if isinstance(pattern, RoutePattern):
        text = str(pattern)
        params, skip = [], ""
        for name, conv in pattern.converters.items():
            kind = KNOWN_CONVERTERS.get(type(conv))
            if kind is None:
                skip = f"unknown converter {type(conv).__name__} for <{name}>"
            params.append((name, kind or "?"))
        # Normalise "<int:pk>" to "<pk>" so that filling needs only the name.
        text = re.sub(r"<(?:[^>:]+:)?([^>]+)>", r"<\1>", text)
        return text, params, skip
    if isinstance(pattern, RegexPattern):
        regex = pattern._regex
        if pattern.regex.groupindex or pattern.regex.groups:
            return regex, [], f"regex pattern with groups {regex!r}"
        text = regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
        if re.search(r"[\\\[\](){}*+?|.^$]", text.replace(r"\.", "")):
            return regex, [], f"regex pattern {regex!r}"
        return text.replace(r"\.", "."), [], ""
    return str(pattern), [], f"unknown pattern type {type(pattern).__name__}"


def collect_routes() -> list[Route]:
    routes: dict[str, Route] = {}

    def walk(patterns, prefix: str, params: list, skip: str) -> None:
        for entry in patterns:
            text, more, why = _pattern_piece(entry.pattern)
            full, all_params, reason = prefix + text, params + more, skip or why
            if isinstance(entry, URLResolver):
                if full.startswith(EXCLUDED_PREFIXES):
                    continue
                walk(entry.url_patterns, full, all_params, reason)
                continue
            assert isinstance(entry, URLPattern)
            if full.startswith(EXCLUDED_PREFIXES) or entry.name in EXCLUDED_NAMES:
                continue
            route = routes.setdefault(full, Route(full, params=all_params, skip=reason))
            if entry.name:
                route.names.append(entry.name)
            operations = _ninja_operations(entry.callback)
            if operations is None:
                route.methods |= _django_methods(entry.callback)
                continue
            route.methods |= {m.upper() for op in operations for m in op.methods}
            typed = _ninja_int_params(operations)
            route.params = [(n, "int" if n in typed and k == "str" else k) for n, k in route.params]

    walk(get_resolver().url_patterns, "", [], "")
    return sorted(routes.values(), key=lambda r: r.route)


ROUTES = collect_routes()


def _template_shapes() -> dict[str, list[tuple[str, ...]]]:
    """Query parameters the templates link each URL name with: ``{% url 'people:person_merge'
    %}?keep={{ a.pk }}&amp;drop={{ b.pk }}`` gives person_merge the shape ("keep", "drop")."""
    link = re.compile(r"\{%\s*url\s+['\"](?:[\w-]+:)?([\w-]+)['\"][^%]*%\}\?([^\"'<>]+)")
    shapes: dict[str, list[tuple[str, ...]]] = {}
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(__file__).resolve().parents[2]]  # every app's templates/
    for root in roots:
        for path in root.rglob("*.html"):
            for name, query in link.findall(path.read_text(encoding="utf-8")):
                keys = tuple(
                    part.split("=", 1)[0] for part in re.split(r"&amp;|&", query) if "=" in part
                )
                if keys and keys not in shapes.setdefault(name, []):
                    shapes[name].append(keys)
    return shapes


def _openapi() -> tuple[dict, dict, dict]:
    from fangkong.api import api

    schema = api.get_openapi_schema()
    ops, query = {}, {}
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            ops[method.upper(), path] = op
            if method == "get":
                keys = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
                query.setdefault(path, []).extend(keys)
    return ops, query, schema.get("components", {}).get("schemas", {})


TEMPLATE_SHAPES = _template_shapes()
# Candidate values of a string path parameter besides the ones pages link with: model keys
# ("places.household", as the choice endpoints take them), ids, job ids and area codes.
MODEL_LABELS = sorted(m._meta.label_lower for m in apps.get_models())
OPENAPI_OPS, API_QUERY, OPENAPI_COMPONENTS = _openapi()


def test_the_walk_sees_the_routes_of_every_app():
    """Guards the walker itself: if discovery broke, every parametrised case would vanish."""
    seen = {r.route for r in ROUTES}
    assert any(r.startswith("people/") for r in seen)
    assert any(r.startswith("places/") for r in seen)
    assert any(r.startswith("api/v1/") and "<" in r for r in seen), "API routes not walked"
    assert not [r for r in seen if r.startswith("django-admin/")]


# --------------------------------------------------------------------------- in-scope data

MARK_PERSON, MARK_PERSON2, MARK_DELETED = "越界甲某", "越界庚某", "越界壬某"
MARK_HOUSEHOLD_ADDR, MARK_HEAD, MARK_HH_NO = "越界乙巷9号", "越界丙某", "越界07"
MARK_VILLAGE, MARK_GRID, MARK_USER = "越界丁村", "越界戊组", "越界己某"
MARK_ADDRESS, MARK_JOB, MARK_TOKEN, MARK_EVENT = "越界辛路1号", "越界任务", "越界令牌", "越界事件"
MARK_PHONE, MARK_PHONE2 = "19987654321", "19912340987"


@dataclass
class Secrets:
    markers: list[str]
    int_ids: list[int]
    uuids: list[str]
    codes: list[str]
    snapshot: object
    town_id: int
    search_terms: list[str]
    body_values: dict


def _forms_of(text: str) -> set[str]:
    """A marker as it may appear in HTML, JSON (ASCII-escaped) or a URL."""
    return {text, json.dumps(text)[1:-1], quote(text)}


def snapshot():
    """Everything of the in-scope side that an out-of-scope request must not have changed."""
    theirs = {"user__username": "yuejie_user"}
    town = Area.all_objects.get(code="430971100").path
    in_town = {"area__path__startswith": town}
    return (
        sorted(RoleGrant.objects.filter(**in_town).values_list("pk", "user_id", "revoked_at")),
        sorted(User.objects.filter(username="yuejie_user").values_list("is_active", "full_name")),
        sorted(
            Person.all_objects.filter(**in_town).values_list(
                "pk", "version", "deleted_at", "area_id"
            )
        ),
        sorted(
            Household.all_objects.filter(**in_town).values_list(
                "pk", "version", "deleted_at", "area_id"
            )
        ),
        sorted(
            Area.all_objects.filter(path__startswith=town).values_list(
                "pk", "version", "deleted_at", "parent_id", "name"
            )
        ),
        sorted(RoleGrant.objects.filter(**theirs).values_list("pk", "revoked_at", "area_id")),
        sorted(ApiToken.objects.filter(**theirs).values_list("pk", "revoked_at")),
        sorted(Job.objects.filter(owner__username="yuejie_user").values_list("pk", "status")),
    )


# The in-scope records get the same ids in every table (person, household, area, user, grant,
# token, log rows...), so each int parameter needs only a few candidates whatever the model.
N = 7001


def _repk(model, old: int, new: int) -> None:
    model._base_manager.filter(pk=old).update(**{model._meta.pk.attname: new})
    history = getattr(model, "history", None)
    if history is not None:
        model.history.filter(id=old).update(id=new)


@pytest.fixture
def secrets(world, commander, person_out, outsider):
    """Records of 河坝镇 with distinctive names, and everything that could identify them."""
    village = Area.objects.create(
        pk=N, code="430971100299", name=MARK_VILLAGE, level=Area.Level.VILLAGE, parent=world.town
    )
    grid = Area.objects.create(
        pk=N + 1, code="430971100299001", name=MARK_GRID, level=Area.Level.GRID, parent=village
    )
    household = Household.objects.create(
        pk=N, area=grid, number=MARK_HH_NO, address=MARK_HOUSEHOLD_ADDR, head_name=MARK_HEAD
    )
    id1, id2, id3 = (make_id_number(birth=b) for b in ("19550505", "19610606", "19720707"))
    p1 = person_create(
        actor=commander,
        data={
            "name": MARK_PERSON,
            "id_number": id1,
            "phone": MARK_PHONE,
            "household": household,
            "current_address": MARK_ADDRESS,
            "registered_residence": MARK_ADDRESS,
        },
    )
    p2 = person_create(
        actor=commander,
        data={
            "name": MARK_PERSON2,
            "id_number": id2,
            "phone": MARK_PHONE2,
            "household": world.household,
            "area": world.grid,
        },
    )
    p3 = person_create(actor=commander, data={"name": MARK_DELETED, "id_number": id3, "area": grid})
    person_delete(actor=commander, person=p3, reason="越界删除")
    for offset, p in enumerate((p1, p2, p3)):
        _repk(Person, p.pk, N + offset)
    user = make_user("yuejie_user", None, None, full_name=MARK_USER, id=N)
    RoleGrant.objects.create(
        pk=N,
        user=user,
        role=Role.objects.get(code="grid_worker"),
        area=grid,
        status=RoleGrant.Status.APPROVED,
    )
    token, _ = token_create(actor=user, name=MARK_TOKEN)
    _repk(ApiToken, token.pk, N)
    job = Job.objects.create(kind="export", title=MARK_JOB, owner=user)
    AccessLog.objects.create(
        pk=N,
        actor=commander,
        action="view",
        subject_type=ContentType.objects.get_for_model(Person),
        subject_id=N,
        subject_label=MARK_PERSON,
        fields="phone",
        reason="越界核查",
    )
    SecurityEvent.objects.create(
        pk=N, kind="login_failed", username="yuejie_user", detail=MARK_EVENT
    )
    # checkpoints: a checkpoint of 河坝镇, its roster and one passage of the marked person.
    import datetime as dt

    from django.utils import timezone

    from fangkong.checkpoints.models import Checkpoint, Passage, Shift

    checkpoint = Checkpoint.objects.create(pk=N, area=world.town, name=f"{MARK_VILLAGE}卡点")
    now = timezone.now()
    Shift.objects.create(
        pk=N, checkpoint=checkpoint, user=user, start=now, end=now + dt.timedelta(hours=8)
    )
    Passage.objects.create(
        pk=N, checkpoint=checkpoint, at=now, name=MARK_PERSON, id_number=id1, phone=MARK_PHONE,
        temperature="36.6", origin=MARK_ADDRESS,
    )  # fmt: skip
    markers = {
        MARK_PERSON,
        MARK_PERSON2,
        MARK_DELETED,
        MARK_HOUSEHOLD_ADDR,
        MARK_HEAD,
        MARK_HH_NO,
        MARK_VILLAGE,
        MARK_GRID,
        MARK_USER,
        MARK_ADDRESS,
        MARK_JOB,
        MARK_TOKEN,
        MARK_EVENT,
        "yuejie_user",
        "东湖村",
        "河坝镇",
    }
    markers |= walk_records(town=world.town, village=village, grid=grid, actor=commander, pk=N)
    for p in Person.all_objects.filter(pk__gte=N):
        for number in filter(None, (p.id_number, p.phone)):
            markers.add(number)
        markers |= {mask_resident_id(p.id_number), p.id_number_bidx}
        if p.phone:
            markers |= {mask_mobile(p.phone), p.phone_bidx}
    markers |= _observation_world(
        commander, Person.objects.get(pk=N), Person.objects.get(pk=N + 1), grid
    )
    ids = [N, N + 1, N + 2, world.town.pk, world.village.pk, world.grid.pk, world.household.pk]
    return Secrets(
        markers=sorted({form for m in markers if m for form in _forms_of(m)}),
        int_ids=sorted(set(ids)),
        uuids=[str(job.pk)],
        codes=[world.town.code, village.code, grid.code, world.grid.code],
        snapshot=snapshot(),
        town_id=world.town.pk,
        search_terms=["yjjm", id1[-4:]],  # pinyin initials, last digits of the ID number
        body_values={
            # What a user would type into each field of a create/edit form or API body, aimed
            # at the in-scope town: a new area under it, a person in its grid and household.
            "name": "Walker",
            "id_number": make_id_number(birth="19900909"),
            "phone": "13912345678",
            "area_id": grid.pk,
            "household_id": household.pk,
            "parent_id": world.town.pk,
            "code": world.town.code + "298",
            "level": int(Area.Level.VILLAGE),
            "number": "W01",
            "address": "walk address",
            "head_name": "Walker",
            "relation": "",
            "current_address": "",
            "registered_residence": "",
            "is_resident": True,
            "tag_ids": [],
            "note": "",
            "description": "",
            "reason": "walk reason",
            "query": "yjjm",
            "page": 1,
            "page_size": 50,
            # Transfer requests: into the in-scope town's grid; decisions.
            "to_area_id": grid.pk,
            "decision": "accept",
            "decision_note": "walk",
            # checkpoints: a passage or a shift at the in-scope town's checkpoint.
            "checkpoint_id": N,
            "start": (timezone.now() + dt.timedelta(days=1)).isoformat(),
            "end": (timezone.now() + dt.timedelta(days=1, hours=8)).isoformat(),
            # Reports: issue the daily report of a past day.
            "day": "2020-02-23",
            # observation: a key person, an observation, a check, a team seat in the town.
            "person_id": N + 1,
            "category_id": KeyPersonCategory.objects.get(code="hubei").pk,
            "key_person_id": N + 1,
            "observation_id": N,
            "role_id": TeamRole.objects.get(code="police").pk,
            # Medical: triage, reports, referrals, cases, contacts, facilities and staff (ids of
            # facilities and cases the walker cannot reach: refused, nothing written).
            "facility_id": 1,
            "pharmacy_id": 1,
            "from_facility_id": 1,
            "to_facility_id": 2,
            "reporting_facility_id": 1,
            "patient_id": N + 1,
            "case_id": 1,
            "user_id": N,
            "contact_ids": [1],
            "temperature": "38.5",
            "disposition": "home",
            "transport": "ambulance",
            "to_status": "confirmed",
            "kind": "pharmacy",
            "role": "doctor",
            "contact_name": "walk",
            "contact_phone": "13912345678",
            "exposure_date": "2020-02-01",
            "buyer_name": "Walker",
            "symptom": "fever",
            "medicine": "ibuprofen",
            # Command (response levels, groups, meetings, directives, tasks, 包干) and alerts.
            "title": "walk title",
            "group_kind": "working",
            "meeting_kind": "special",
            "effective_from": "2020-01-28",
            "declared_by": "walk",
            "held_at": "2020-01-28T09:00:00+08:00",
            "chair": "walk",
            "deadline": "2020-02-28T18:00:00+08:00",
            "leader_name": "walk",
            "leader_level": "town",
            "group_id": N,
            "post": "walk",
            "text": "walk",
            "report": "walk",
            # Surveys: a campaign and a unit of the in-scope town, a visit to its household
            # (its member), a staff member (ids of in-scope records; refused for the walker).
            "starts_on": "2020-02-01",
            "ends_on": "2020-02-07",
            "since_date": "2020-01-10",
            # ("kind" and "person_id" are shared with medical and observation above.)
            "unit_id": N,
            "staff_id": N,
            "campaign_id": N,
            "outcome": "seen",
            # Big-data verification outcomes: a task of the in-scope town ("outcome" is shared
            # with the surveys above).
            "task_id": N,
            # Patrols (patrols app): a day's patrol, field records, venues and their orders,
            # weddings and funerals ("day" and "kind" are shared with reports and medical above).
            "start_time": "09:00:00",
            "end_time": "11:00:00",
            "police_members": "walk",
            "village_members": "walk",
            "route": "walk",
            "checked_at": "2020-01-26T10:00:00+08:00",
            "dispersed_at": "2020-01-26T10:00:00+08:00",
            "occurred_at": "2020-01-26T10:00:00+08:00",
            "place": "walk",
            "result": "compliant",
            "people": 5,
            "handling": "persuaded",
            "action": "walk",
            "operating_since": "2015-01-01",
            "venue_id": N,
            "effective_date": "2020-01-24",
            "issued_by": "walk",
            "inspected_on": "2020-01-26",
            "inspector": "walk",
            "finding": "compliant",
            "hosts": "walk",
            "planned_date": "2020-02-01",
            "ceremony_id": N,
            "visited_on": "2020-01-26",
            "visitor": "walk",
        },
    )


def _observation_world(commander, p1, p2, grid) -> set[str]:
    """observation: p1 under home observation (team, check, roster), p2 an open key person, a
    centralised site; all with ids N (N + 1 for the second key person)."""
    from fangkong.observation import services as obs_services

    site = ObservationSite.objects.create(area=grid, name="越界观察点", capacity=9)
    _repk(ObservationSite, site.pk, N)
    RosterEntry.objects.create(
        pk=N,
        area=grid,
        role=TeamRole.objects.get(code="police"),
        name="越界民警",
        phone="19911112222",
    )
    kp1, _ = obs_services.register_key_person(
        actor=commander, person=p1, category="wuhan", source="manual", origin="越界武汉"
    )
    kp2, _ = obs_services.register_key_person(
        actor=commander, person=p2, category="hubei", source="manual", origin="越界孝感"
    )
    _repk(KeyPerson, kp1.pk, N)
    _repk(KeyPerson, kp2.pk, N + 1)
    kp1 = KeyPerson.objects.get(pk=N)
    obs, _ = obs_services.start_observation(actor=commander, key_person=kp1)
    _repk(Observation, obs.pk, N)
    TeamMember.objects.filter(observation_id=obs.pk).update(observation_id=N)
    member = TeamMember.objects.get(observation_id=N)
    _repk(TeamMember, member.pk, N)
    check = HealthCheck.objects.create(
        observation_id=N, date=obs.start_date, half="am", temperature="36.7", note="越界体温"
    )
    _repk(HealthCheck, check.pk, N)
    return {"越界观察点", "越界民警", "越界武汉", "越界孝感", "越界体温", "19911112222"}


# --------------------------------------------------------------------------- personas

SESSION_BACKEND_ARGS = {"backend": SESSION_BACKEND}


@pytest.fixture
def walker(world):
    """Every role there is, in another town: what it may not reach is a matter of place only."""
    user = make_user("walker", None, None, full_name="外镇全权", demo=True)  # demo: no TOTP
    for role in Role.objects.all():
        RoleGrant.objects.create(
            user=user, role=role, area=world.other_town, status=RoleGrant.Status.APPROVED
        )
    return user


@pytest.fixture
def reader(world):
    """Every view permission and nothing else, in the in-scope town."""
    group = Group.objects.create(name="role:walk_reader")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    role = Role.objects.create(code="walk_reader", name="walk reader", sort=999, group=group)
    user = make_user("reader", None, None, full_name="本镇只读", demo=True)
    RoleGrant.objects.create(
        user=user, role=role, area=world.town, status=RoleGrant.Status.APPROVED
    )
    return user


@pytest.fixture
def harvester(world):
    """Sees every page and form, to learn what a valid submission looks like."""
    return make_user("harvester", None, None, is_superuser=True, demo=True)


def _session(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user, **SESSION_BACKEND_ARGS)
    return client


def _token_client(user) -> Client:
    _, token = token_create(actor=user, name="walk")
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")


# --------------------------------------------------------------------------- harvesting forms


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # submitted (name, value)
    empty: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (name, tag, options)

    @property
    def names(self) -> set[str]:
        return {n for n, _ in self.fields} | {n for n, _, _ in self.empty}


class _FormParser(HTMLParser):
    """The forms of a page as a browser would submit them (first named button included)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: tuple[str, list[str]] | None = None
        self._button = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").upper(), a.get("action", ""))
            self.forms.append(self._form)
            self._button = False
            return
        form, name = self._form, a.get("name")
        if form is None or not name or "disabled" in a:
            if tag == "option" and self._select is not None and "value" in a:
                self._option(a)
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind in ("submit", "button", "image", "reset", "file"):
                if kind == "submit" and not self._button:
                    form.fields.append((name, a.get("value", "")))
                    self._button = True
            elif a.get("value"):
                form.fields.append((name, a["value"]))
            else:
                form.empty.append((name, kind, []))
        elif tag == "button" and a.get("type", "submit") == "submit" and not self._button:
            form.fields.append((name, a.get("value", "")))
            self._button = True
        elif tag == "select":
            self._select = (name, [], [])
        elif tag == "textarea":
            self._textarea = (name, [])

    def _option(self, a):
        _, options, selected = self._select
        options.append(a["value"])
        if "selected" in a:
            selected.append(a["value"])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            if selected:
                self._form.fields += [(name, v) for v in selected]
            else:
                self._form.empty.append((name, "select", [o for o in options if o]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._textarea
            value = "".join(text).strip()
            if value:
                self._form.fields.append((name, value))
            else:
                self._form.empty.append((name, "textarea", []))
            self._textarea = None


def harvest_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


# --------------------------------------------------------------------------- filling


@dataclass
class Walk:
    """What one route's walk sends, built once and replayed (before and after the town grows)."""

    gets: list[str] = field(default_factory=list)  # URLs (path + query)
    writes: list[tuple[str, str, object]] = field(default_factory=list)  # (method, url, data)
    change_pages: list[str] = field(default_factory=list)  # URLs that render a change form


def _linked_values(route: Route, harvester: Client) -> dict[str, list[str]]:
    """Values of a route's string parameters as the pages link to it (``/choices/<key>/``
    appears in a form widget as ``/choices/places.household/``): every parameterless page and
    create form the harvester sees is searched for URLs of this route."""
    pattern = re.compile(
        re.sub(
            r"<([^>]+)>",
            r"(?P<\1>[^/?#\"'\\s<>&]+)",
            re.escape("/" + route.route).replace(r"\<", "<").replace(r"\>", ">"),
        )
    )
    found: dict[str, list[str]] = {}
    for other in ROUTES:
        if other.params or other.is_api or "GET" not in other.methods or other.skip:
            continue
        text = harvester.get("/" + other.route).content.decode(errors="replace")
        for match in pattern.finditer(text):
            for name, value in match.groupdict().items():
                if value not in found.setdefault(name, []):
                    found[name].append(value)
    return found


def _fillings(route: Route, s: Secrets, linked: dict | None = None) -> list[dict[str, str]]:
    choices = []
    for name, kind in route.params:
        if kind == "int":
            choices.append([str(i) for i in s.int_ids])
        elif kind == "uuid":
            choices.append([*s.uuids, str(uuid.uuid4())])
        else:
            choices.append(
                [*(linked or {}).get(name, []), *MODEL_LABELS, *map(str, s.int_ids), *s.uuids]
                + s.codes
            )
    names = [n for n, _ in route.params]
    combos = itertools.islice(itertools.product(*choices), MAX_COMBINATIONS)
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def _url(route: Route, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<([^>]+)>", lambda m: quote(values[m.group(1)], safe=""), route.route)


def _query_urls(url: str, keys: set[str], shapes: list[tuple[str, ...]], s: Secrets) -> list[str]:
    """The URL with every query parameter it is known to take, filled with in-scope ids.

    Every id-taking key at once with each in-scope id (a filter form drops a value it rejects
    and applies the rest), every shape the templates link with in combinations of ids (merge's
    keep and drop), and the search terms and export switches of a list.
    """
    urls = []
    id_keys = sorted(keys - NON_ID_KEYS)
    if id_keys:
        urls += [f"{url}?{urlencode(dict.fromkeys(id_keys, i))}" for i in s.int_ids]
    for shape in (sh for sh in shapes if len(sh) > 1):
        combos = itertools.permutations(s.int_ids, len(shape))  # keep != drop
        for combo in itertools.islice(combos, MAX_COMBINATIONS):
            urls.append(f"{url}?{urlencode(dict(zip(shape, combo, strict=True)))}")
    if keys & set(SEARCH_KEYS):
        for term in s.search_terms:
            urls.append(f"{url}?{urlencode(dict.fromkeys(sorted(keys & set(SEARCH_KEYS)), term))}")
    urls.append(f"{url}?{urlencode(EXPORT_QUERY)}")
    return urls


def _fill_form(form: Form, s: Secrets) -> list[tuple[str, str]]:
    """A harvested form with its empty fields filled as a user would; None if it cannot be."""
    data = list(form.fields)
    for name, kind, options in form.empty:
        if kind == "select":
            if options:
                inside = [o for o in options if o.isdigit() and int(o) in s.int_ids]
                data.append((name, (inside or options)[0]))
            continue
        value = s.body_values.get(name)
        if value is not None:
            data.append((name, str(value)))
        elif kind in ("text", "textarea", "search"):
            data.append((name, "walk"))
    for i, (name, value) in enumerate(data):
        if name in TEXT_TO_CHANGE:
            data[i] = (name, value + "·walk")  # an edit that changes something
    return data


def _schema_value(prop: dict, components: dict) -> dict:
    if "$ref" in prop:
        return components[prop["$ref"].rsplit("/", 1)[1]]
    return prop


def _api_body(route: Route, method: str, s: Secrets, version: int | None) -> dict | str:
    """A valid JSON body for an API write, from its OpenAPI request schema; an error text if a
    required field is one the walker does not know."""
    op = OPENAPI_OPS.get((method, "/" + re.sub(r"<([^>]+)>", r"{\1}", route.route)))
    if op is None or "requestBody" not in op:
        return {}
    schema = _schema_value(
        op["requestBody"]["content"]["application/json"]["schema"], OPENAPI_COMPONENTS
    )
    single = None
    if route.route.endswith("/batch"):
        # A batch's records are free-form in its schema: each is the body of a single create.
        parent = OPENAPI_OPS.get(("POST", "/" + route.route.removesuffix("/batch")))
        if parent is not None:
            single = _schema_value(
                parent["requestBody"]["content"]["application/json"]["schema"],
                OPENAPI_COMPONENTS,
            )
    return _schema_body(schema, method, s, version, single=single)


def _enum_of(prop: dict) -> list | None:
    """The allowed values of a property, if its schema (or a schema it refers to) is an enum."""
    for part in (prop, *prop.get("allOf", ()), *prop.get("anyOf", ())):
        resolved = _schema_value(part, OPENAPI_COMPONENTS)
        if "enum" in resolved:
            return resolved["enum"]
    return None


def _fit_enum(value, prop: dict):
    """A value shared by several modules' bodies (``kind``, ``outcome`` …) that this route's
    choices do not hold is replaced by its first choice, so the body stays valid and the
    route's own refusal (scope, permission) is what the walk sees, not a schema error."""
    choices = _enum_of(prop)
    if choices and value not in choices:
        return choices[0]
    return value


def _schema_body(
    schema: dict, method: str, s: Secrets, version: int | None, *, single: dict | None = None
) -> dict | str:
    body, missing = {}, []
    for name, prop in schema.get("properties", {}).items():
        items = _schema_value(prop.get("items", {}), OPENAPI_COMPONENTS)
        if prop.get("type") == "array" and not items.get("properties") and single:
            items = {**single, "properties": {**single["properties"], "client_id": {}}}
        if prop.get("type") == "array" and "properties" in items:
            # A batch: one record built the same way, with a client id of its own.
            item = _schema_body(items, method, s, version)
            if isinstance(item, str):
                return item
            if "client_id" in items["properties"]:
                item["client_id"] = str(uuid.uuid4())
            body[name] = [item]
            continue
        if name == "client_id":
            body[name] = str(uuid.uuid4())
        elif name == "version":
            if version is None:
                missing.append("version (the record has no readable version)")
            else:
                body[name] = version
        elif name in s.body_values:
            body[name] = _fit_enum(s.body_values[name], prop)
        elif name in schema.get("required", ()):
            missing.append(name)
    if missing:
        return f"{method} body field(s) {missing} unknown to the walker (BODY_FIELDS)"
    return body


def plan(route: Route, s: Secrets, harvester: Client) -> tuple[Walk, list[str]]:
    """Every request of the walk for one route, and what it could not fill."""
    walk, unfilled = Walk(), []
    methods = [m for m in METHOD_ORDER if m in route.methods]
    shapes = TEMPLATE_SHAPES.get(route.names[0] if route.names else "", [])
    for name in route.names[1:]:
        shapes = shapes + TEMPLATE_SHAPES.get(name, [])
    linked, takes_str, reached = {}, any(kind == "str" for _, kind in route.params), False
    export_data = None
    if takes_str:
        linked = _linked_values(route, harvester)
    for values in _fillings(route, s, linked) or [{}]:
        url = _url(route, values)
        if takes_str and not route.is_api:
            # Of the candidate strings, walk in depth those the handler accepts.
            if harvester.get(url).status_code != 200:
                walk.gets.append(url)
                continue
            reached = True
        if route.is_api:
            version = None
            if "GET" in methods:
                walk.gets.append(url)
                if route.params:
                    got = harvester.get(url)
                    if got.status_code == 200:
                        version = got.json().get("version")
            if not route.params:
                keys = set(API_QUERY.get(url, ()))
                if "GET" in methods:
                    walk.gets += _query_urls(url, keys, shapes, s)
            for method in methods:
                if method == "GET":
                    continue
                if route.params and version is None and method in ("PATCH", "DELETE"):
                    continue  # this id is no record of this route's model (404 for all)
                body = _api_body(route, method, s, version)
                if isinstance(body, str):
                    unfilled.append(body)
                    continue
                walk.writes.append((method, url, body))
            continue
        keys = set(LIST_KEYS) if not route.params else set()
        if any(kind == "str" for _, kind in route.params):
            keys |= {"q", *LIST_KEYS}  # a lookup endpoint (choices): searched and narrowed
        keys |= {k for shape in shapes for k in shape if len(shape) == 1}
        pages = [url] + [
            f"{url}?{urlencode(dict(zip(shape, combo, strict=True)))}"
            for shape in shapes
            for combo in itertools.islice(itertools.permutations(s.int_ids, len(shape)), 60)
        ]
        if "GET" in methods:
            walk.gets.append(url)
        for page in pages:
            got = harvester.get(page) if "GET" in methods else None
            if got is None or got.status_code != 200 or "html" not in got.get("Content-Type", ""):
                continue
            for form in harvest_forms(got.content.decode()):
                target = urljoin(page, form.action) if form.action else page
                if form.method == "GET":
                    if urlsplit(target).path == urlsplit(url).path:
                        keys |= form.names
                    continue
                if urlsplit(target).path != urlsplit(url).path:
                    continue  # another route's form: walked with that route
                if "export" in form.names and page != url:
                    continue  # the same export as the unfiltered page's; id filters below
                data = _fill_form(form, s)
                walk.writes.append(("POST", target, data))
                if "export" in form.names and not route.params and export_data is None:
                    export_data = data  # for the id-filtered exports below
                if "version" in form.names:
                    walk.change_pages.append(page)
        if export_data is not None:
            # The export of the list filtered by in-scope ids (once: every filtered page
            # offers the same export form).
            id_keys = sorted(keys - NON_ID_KEYS)
            walk.writes += [
                ("POST", f"{url}?{urlencode(dict.fromkeys(id_keys, i))}", export_data)
                for i in s.int_ids
            ]
        if (not route.params or keys) and "GET" in methods:
            walk.gets += _query_urls(url, keys, shapes, s)
        if "POST" in methods and not any(m == "POST" for m, _, _ in walk.writes):
            walk.writes.append(("POST", url, {k: s.search_terms[0] for k in SEARCH_KEYS}))
    if takes_str and not route.is_api and not reached:
        unfilled.append("no value of its string parameters reaches the handler")
    # Fillings and pages can plan the same request twice: send each distinct request once (the
    # same request twice proves nothing more, and cost minutes).
    walk.gets = list(dict.fromkeys(walk.gets))
    walk.writes = list({repr(w): w for w in walk.writes}.values())
    walk.change_pages = list(dict.fromkeys(walk.change_pages))
    return walk, unfilled


def _send(client: Client, method: str, url: str, data, api: bool):
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, json.dumps(data or {}), content_type="application/json")
    if isinstance(data, dict):
        data = list(data.items())
    return client.generic(
        method,
        url,
        urlencode(data or [], doseq=True),
        content_type="application/x-www-form-urlencoded",
    )


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else bytes(response.content)
    parts = [raw]
    if raw[:4] == b"PK\x03\x04":  # an XLSX export: look inside the zip
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            parts = [zf.read(n) for n in zf.namelist() if not n.startswith("docProps/")]
    return "\n".join(p.decode("utf-8", errors="replace") for p in parts)


def _headers(response) -> str:
    return " ".join(f"{k}: {v}" for k, v in response.items())


# Volatile parts of a page that differ between two identical requests.
_VOLATILE = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # job ids
    r"|[A-Za-z0-9_-]{32,}"  # CSRF tokens, session-bound values
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}年\d{1,2}月\d{1,2}日|\d{1,2}:\d{2}(:\d{2})?"
)


def _normalised(text: str) -> str:
    return _VOLATILE.sub("~", text)


def _first_difference(a: str, b: str) -> str:
    i = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"…{a[max(0, i - 60) : i + 40]!r} became …{b[max(0, i - 60) : i + 40]!r}"


def _problems(
    response, method, url, who, s: Secrets, *, anonymous: bool = False, sent=None
) -> list[str]:
    """What is wrong with one answer. A marker the request itself carried (a harvested form's
    value, echoed back by a form with errors) tells the sender nothing it did not know."""
    where = f"{who} {method} {url} -> {response.status_code}"
    found = []
    if response.status_code >= 500:
        found.append(f"{where}: server error")
    body = _body(response) + "\n" + _headers(response)
    echoed = json.dumps(sent, ensure_ascii=False) if sent else ""
    leaked = [m for m in s.markers if m in body and m not in echoed]
    if leaked:
        found.append(f"{where}: shows in-scope data {leaked[:5]}")
    if anonymous:
        location = response.get("Location", "")
        ok = response.status_code in (401, 403, 405) or (
            response.status_code == 302 and "/accounts/login/" in location
        )
        if not ok:
            found.append(f"{where}: anonymous visitor not sent to log in ({location!r})")
    return found


def grow_in_scope_town(world) -> None:
    """A grid, persons and households more in 河坝镇: nothing an outsider sees may change."""
    boss = User.objects.get(username="harvester")
    Area.objects.create(
        code=world.village.code + "009", name="增长组", level=Area.Level.GRID, parent=world.village
    )
    for n in range(3):
        household = household_create(
            actor=boss, area=world.grid2, number=f"G{n}", address=f"增长{n}号"
        )
        for m in range(n + 1):
            person_create(
                actor=boss,
                data={"name": f"增长{n}{m}", "household": household, "area": world.grid2},
            )


def _run_walker_jobs(walker) -> list[str]:
    """Run the exports the walker queued, as the worker would; their URLs to fetch."""
    urls = []
    for job in Job.objects.filter(owner=walker, status=Job.Status.QUEUED).order_by("created_at"):
        run_job.call(str(job.pk))
        urls += [
            reverse("core:job_detail", args=[job.pk]),
            reverse("core:job_download", args=[job.pk]),
        ]
    return urls


# The routes are walked in parts, one test module each (this one and
# ``test_jurisdiction_walk_part<k>.py``), so that the parallel test workers — which take whole
# modules — share the walk instead of one of them walking every route.
WALK_PARTS = 4


def walk_part(part: int):
    """The walk's test over every ``WALK_PARTS``-th route, starting at ``part``."""

    @pytest.mark.parametrize(
        "route",
        [
            pytest.param(r, id=r.test_id, marks=KNOWN_LEAKS.get(r.route, ()))
            for r in ROUTES[part::WALK_PARTS]
        ],
    )
    def test_route_shows_nothing_out_of_scope(
        route: Route, secrets: Secrets, world, walker, reader, harvester
    ):
        walk_route(route, secrets, world, walker, reader, harvester)

    return test_route_shows_nothing_out_of_scope


test_route_shows_nothing_out_of_scope = walk_part(0)


def walk_route(route: Route, secrets: Secrets, world, walker, reader, harvester) -> None:
    """Walk one route as the outsider, the reader and an anonymous visitor (module docstring)."""
    if route.skip:
        pytest.fail(f"{route.route}: the walker cannot fill this route ({route.skip})")
    secrets.snapshot = snapshot()  # with every persona's grants in place
    walk, unfilled = plan(route, secrets, _session(harvester))
    assert not unfilled, f"{route.route}: the walker cannot fill: {unfilled}"
    clients = [("walker", _session(walker))]
    if route.is_api:
        clients.append(("walker-token", _token_client(walker)))
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    for who, client in clients:
        for url in walk.gets:
            response = _send(client, "GET", url, None, route.is_api)
            problems += _problems(response, "GET", url, who, secrets)
            if response.status_code == 200:
                seen[who, url] = _normalised(_body(response))

    # Counts and aggregates: the walker's pages must not move when the in-scope town grows.
    grow_in_scope_town(world)
    secrets.snapshot = snapshot()
    for (who, url), before in seen.items():
        after = _normalised(_body(dict(clients)[who].get(url)))
        if after != before:
            problems.append(
                f"{who} GET {url}: changes when 河坝镇 grows (a leaked count or aggregate): "
                + _first_difference(before, after)
            )

    for who, client in clients:
        for method, url, data in walk.writes:
            response = _send(client, method, url, data, route.is_api)
            problems += _problems(response, method, url, who, secrets, sent=data)
        for url in _run_walker_jobs(walker):
            problems += _problems(client.get(url), "GET", url, f"{who} (job)", secrets)
    assert snapshot() == secrets.snapshot, "a walker request changed in-scope records"

    # May view, may not change: the reader of the in-scope town.
    reading = _session(reader)
    for page in walk.change_pages:
        response = reading.get(page)
        if response.status_code == 200:
            problems.append(f"reader GET {page} -> 200: shown a change form it may not submit")
    reader_clients = [("reader", reading)]
    if route.is_api:
        reader_clients.append(("reader-token", _token_client(reader)))
    for who, client in reader_clients:
        for method, url, data in walk.writes:
            if isinstance(data, list) and "export" in dict(data):
                continue  # an export is a read: the reader may
            response = _send(client, method, url, data, route.is_api)
            if response.status_code >= 500:
                problems.append(f"{who} {method} {url}: server error")
            # A create names its area in the body: "no such area" (422) refuses it too.
            refusals = (403, 404, 405, 422) if method == "POST" else (403, 404, 405)
            if (
                route.is_api
                and not _is_read(route, method)
                and response.status_code not in refusals
            ):
                problems.append(
                    f"{who} {method} {url} -> {response.status_code}: an API write not refused"
                )
    assert snapshot() == secrets.snapshot, "a reader request changed in-scope records"

    if not PUBLIC_NAMES.intersection(route.names):
        anonymous = Client(raise_request_exception=False)
        first = walk.gets[:1] or [url for _, url, _ in walk.writes[:1]]
        for url in first:
            method = "GET" if walk.gets else walk.writes[0][0]
            response = _send(anonymous, method, url, None, route.is_api)
            problems += _problems(response, method, url, "anonymous", secrets, anonymous=True)
    assert not problems, "\n".join(problems[:30])


def _is_read(route: Route, method: str) -> bool:
    """API POSTs that read (a search is a POST so that numbers stay out of URLs)."""
    op = OPENAPI_OPS.get((method, "/" + re.sub(r"<([^>]+)>", r"{\1}", route.route)), {})
    return method == "GET" or bool(re.search(r"(^|_)(search|reveal)_", op.get("operationId", "")))


def test_the_markers_are_detectable_for_someone_in_scope(secrets: Secrets, commander):
    """Control: the same checks flag the in-scope commander's pages, so a pass above means
    "not shown", not "not recognised" (ASCII-escaped JSON, masked forms...)."""
    client = _session(commander)
    by_name = {name: r for r in ROUTES for name in r.names}
    checked = 0
    for name, values in (
        ("person_detail", {"pk": str(N)}),
        ("get_person", {"person_id": str(N)}),
        ("list_persons", {}),
        ("person_list", {}),
    ):
        route = by_name.get(name)
        if route is None:
            continue
        response = client.get(_url(route, values))
        assert response.status_code == 200, (name, response.status_code)
        assert _problems(response, "GET", name, "commander", secrets), name
        checked += 1
    assert checked >= 2


def test_the_walk_plans_valid_writes(secrets: Secrets, harvester):
    """Control: what the walk sends reaches the handlers. The harvested forms and the bodies
    built from the API schema succeed for the all-seeing harvester itself."""
    by_name = {name: r for r in ROUTES for name in r.names}
    client = _session(harvester)
    # An edit form with the right version changes the record; an API patch and delete too.
    walk, _ = plan(by_name["person_edit"], secrets, client)
    method, url, data = next(w for w in walk.writes if f"/{N}/" in w[1])
    before = Person.objects.get(pk=N).version
    assert _send(client, method, url, data, False).status_code == 302
    assert Person.objects.get(pk=N).version == before + 1
    walk, unfilled = plan(by_name["get_person"], secrets, client)
    assert not unfilled
    patch = next(w for w in walk.writes if w[0] == "PATCH" and w[1].endswith(f"/{N}"))
    assert _send(client, *patch, True).status_code == 200, patch
    delete = next(w for w in walk.writes if w[0] == "DELETE" and w[1].endswith(f"/{N + 1}"))
    assert _send(client, *delete, True).status_code in (200, 204), delete
    walk, unfilled = plan(by_name["list_persons"], secrets, client)
    method, url, body = next(w for w in walk.writes if w[0] == "POST")
    # (the edit above stored the walker's ID number on person N: a create needs another)
    create = (method, url, {**body, "id_number": make_id_number(birth="19910101"), "phone": ""})
    response = _send(client, *create, True)
    assert response.status_code in (200, 201), (create, response.content)
    # The merge page is walked with in-scope keep/drop pairs, and the export form is posted.
    walk, _ = plan(by_name["person_merge"], secrets, client)
    assert any(f"keep={N}&drop={N + 1}" in url for url in walk.gets)
    walk, _ = plan(by_name["person_list"], secrets, client)
    assert any(
        m == "POST" and ("export", "1") in d for m, _, d in walk.writes if isinstance(d, list)
    )
    assert any("household=" in url for url in walk.gets)


def test_the_walk_detects_a_leaked_count(secrets: Secrets, world, commander, harvester):
    """Control for the differential check: the normalising keeps figures, so the commander's
    home page (whose totals include 河坝镇) moves when the town grows."""
    client = _session(commander)
    before = _normalised(_body(client.get("/")))
    grow_in_scope_town(world)
    after = _normalised(_body(client.get("/")))
    assert before != after
