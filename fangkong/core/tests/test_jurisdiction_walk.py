"""The jurisdiction walk: every registered URL and API route, as a user of another town.

Nothing here names a view. The walker reads the URL resolver (UI, includes, and the
django-ninja API under /api/v1/, whose routes are ordinary URL patterns), fills every path
parameter with the ids of records that belong to 河坝镇 (the in-scope town), and requests each
URL as ``outsider`` (a grid worker of 金盆镇) through a browser session and through an API token,
and as an anonymous visitor. A route added by any later module is covered without touching this
file. It fails when:

- a response is a server error (500), or
- a response contains anything that identifies the in-scope records: their distinctive names,
  addresses, the ID and phone numbers in full or masked form, their blind indexes, or
- an in-scope record was changed by any of those requests, or
- an anonymous visitor gets anything other than a redirect to the login page, 401, 403 or 405.

Which model a route's ``<int:pk>`` is about is unknowable generically, so every int parameter is
tried with the id of every in-scope record (the id of a person, a household, each area, a user,
a grant, a token, a log row...). A route whose converters the walker does not know fails, with
the reason in the test id: a new module teaches the walker its converter (KNOWN_CONVERTERS)
rather than leaving a route unwalked.
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
from urllib.parse import quote, urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from fangkong.core.models import AccessLog, ApiToken, Job, Role, RoleGrant, SecurityEvent
from fangkong.core.testing import make_id_number, make_user
from fangkong.core.tokens import token_create
from fangkong.core.validators import mask_mobile, mask_resident_id
from fangkong.people.models import Person
from fangkong.people.services import person_create, person_delete
from fangkong.places.models import Area, Household

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


def _forms_of(text: str) -> set[str]:
    """A marker as it may appear in HTML, JSON (ASCII-escaped) or a URL."""
    return {text, json.dumps(text)[1:-1], quote(text)}


def snapshot():
    """Everything of the in-scope side that an out-of-scope request must not have changed."""
    theirs = {"user__username": "yuejie_user"}
    return (
        sorted(Person.all_objects.values_list("pk", "version", "deleted_at", "area_id")),
        sorted(Household.all_objects.values_list("pk", "version", "deleted_at", "area_id")),
        sorted(Area.all_objects.values_list("pk", "version", "deleted_at", "parent_id", "name")),
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
    for p in Person.all_objects.filter(pk__gte=N):
        for number in filter(None, (p.id_number, p.phone)):
            markers.add(number)
        markers |= {mask_resident_id(p.id_number), p.id_number_bidx}
        if p.phone:
            markers |= {mask_mobile(p.phone), p.phone_bidx}
    ids = [N, N + 1, N + 2, world.town.pk, world.village.pk, world.grid.pk, world.household.pk]
    return Secrets(
        markers=sorted({form for m in markers if m for form in _forms_of(m)}),
        int_ids=sorted(set(ids)),
        uuids=[str(job.pk)],
        codes=[world.town.code, village.code, grid.code, world.grid.code],
        snapshot=snapshot(),
        town_id=world.town.pk,
        search_terms=["yjjm", id1[-4:]],  # pinyin initials, last digits of the ID number
    )


# --------------------------------------------------------------------------- requests


def _fillings(route: Route, s: Secrets) -> list[dict[str, str]]:
    choices = []
    for _name, kind in route.params:
        if kind == "int":
            choices.append([str(i) for i in s.int_ids])
        elif kind == "uuid":
            choices.append([*s.uuids, str(uuid.uuid4())])
        else:
            choices.append([*map(str, s.int_ids), *s.uuids, *s.codes])
    names = [n for n, _ in route.params]
    combos = itertools.islice(itertools.product(*choices), MAX_COMBINATIONS)
    return [dict(zip(names, combo, strict=True)) for combo in combos]


def _url(route: Route, values: dict[str, str]) -> str:
    return "/" + re.sub(r"<([^>]+)>", lambda m: quote(values[m.group(1)], safe=""), route.route)


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else bytes(response.content)
    parts = [raw]
    if raw[:4] == b"PK\x03\x04":  # an XLSX export: look inside the zip
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            parts += [zf.read(n) for n in zf.namelist()]
    parts.append(" ".join(f"{k}: {v}" for k, v in response.items()).encode())
    return "\n".join(p.decode("utf-8", errors="replace") for p in parts)


def _requests(route: Route, s: Secrets, fillings: list[dict[str, str]], *, variants=True):
    """(method, url, data) to try for this route."""
    methods = [m for m in METHOD_ORDER if m in route.methods]
    for values in fillings:
        url = _url(route, values)
        for method in methods:
            yield method, url, None
    if route.params or not variants:
        return
    url = _url(route, {})
    if "GET" in methods:
        for keys in LIST_QUERY_GROUPS:
            yield "GET", f"{url}?{urlencode(dict.fromkeys(keys, s.town_id))}", None
        for term in s.search_terms:
            yield "GET", f"{url}?{urlencode(dict.fromkeys(SEARCH_KEYS, term))}", None
        yield "GET", f"{url}?{urlencode(EXPORT_QUERY)}", None
    if "POST" in methods:
        yield "POST", url, dict.fromkeys(SEARCH_KEYS, s.search_terms[0])


def _send(client: Client, method: str, url: str, data, api: bool):
    if method == "GET":
        return client.get(url)
    if api:
        return client.generic(method, url, json.dumps(data or {}), content_type="application/json")
    return client.generic(
        method, url, urlencode(data or {}), content_type="application/x-www-form-urlencoded"
    )


def _problems(response, method, url, who, s: Secrets, *, anonymous: bool) -> list[str]:
    where = f"{who} {method} {url} -> {response.status_code}"
    found = []
    if response.status_code >= 500:
        found.append(f"{where}: server error")
    body = _body(response)
    leaked = [m for m in s.markers if m in body]
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


@pytest.mark.parametrize(
    "route",
    [pytest.param(r, id=r.test_id) for r in ROUTES],
)
def test_route_shows_nothing_out_of_scope(route: Route, secrets: Secrets, outsider):
    if route.skip:
        pytest.fail(f"{route.route}: the walker cannot fill this route ({route.skip})")
    session = Client(raise_request_exception=False)
    session.force_login(outsider, backend=SESSION_BACKEND)
    clients = [("session", session, False)]
    if route.is_api:
        _, token = token_create(actor=outsider, name="walk")
        clients.append(
            (
                "token",
                Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}"),
                False,
            )
        )
    anonymous = Client(raise_request_exception=False)

    fillings = _fillings(route, secrets) or [{}]
    problems: list[str] = []
    for method, url, data in _requests(route, secrets, fillings):
        for who, client, _ in clients:
            response = _send(client, method, url, data, route.is_api)
            problems += _problems(response, method, url, who, secrets, anonymous=False)
    if not PUBLIC_NAMES.intersection(route.names):
        for method, url, data in list(_requests(route, secrets, fillings[:1], variants=False))[:1]:
            response = _send(anonymous, method, url, data, route.is_api)
            problems += _problems(response, method, url, "anonymous", secrets, anonymous=True)

    assert snapshot() == secrets.snapshot, "an out-of-scope request changed in-scope records"
    assert not problems, "\n".join(problems[:30])


def test_the_markers_are_detectable_for_someone_in_scope(secrets: Secrets, commander):
    """Control: the same checks flag the in-scope commander's pages, so a pass above means
    "not shown", not "not recognised" (ASCII-escaped JSON, masked forms...)."""
    client = Client(raise_request_exception=False)
    client.force_login(commander, backend=SESSION_BACKEND)
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
        assert _problems(response, "GET", name, "commander", secrets, anonymous=False), name
        checked += 1
    assert checked >= 2
