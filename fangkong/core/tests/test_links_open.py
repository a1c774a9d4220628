"""Walking the demo as its users do: no page offers a link that its reader cannot open, and
every API list answers over the demo's records.

Each demo role walks the pages it can reach from the home page, following every link of the
pages it gets (two pages per URL shape, so a list of thousands costs two visits). A link that
answers 403 or 404 to the one it was shown to is a dead end under pressure (a clerk at a
barrier, a pharmacist at the counter), and a 500 is a broken page: both fail here, named with
the page that offered the link. Found this way: the header's response level, the task board's
buttons, a campaign's "blanks" for a village cadre, households in a clinician's person list, a
checkpoint's passage in a clinician's fever alert, the home visit on a pharmacist's report, and
the unit page that failed on a unit without a head.
"""

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from fangkong.core.models import User
from fangkong.core.testing import DEMO_PERSONS, DEMO_SEED, load_demo_once

ROLES = (
    "commander",
    "office",
    "town_heba",
    "village_cadre",
    "grid_worker",
    "checkpoint",
    "clinician",
    "pharmacist",
    "auditor",
    "auditor_heba",
    "secadmin",
    "sysadmin",
)
PAGES_PER_ROLE = 70
# Links that start work or change state when followed, and files: not pages to walk.
NOT_PAGES = re.compile(
    r"logout|/export|download|\.(xlsx|pdf|docx|csv)\b|/static/|/media/|/admin/|/api/v1/docs"
    r"|/jobs/\d+/file"
)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", url.split("?")[0])


def _walk(client: Client) -> list[tuple[str, int, str]]:
    """(url, status, the page that linked it) for every page reached from the home page."""
    queue, seen, per_shape, visited = [("/", "")], set(), defaultdict(int), []
    while queue and len(visited) < PAGES_PER_ROLE:
        url, came_from = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if per_shape[_shape(url)] >= 2:
            continue
        per_shape[_shape(url)] += 1
        response = client.get(url)
        visited.append((url, response.status_code, came_from))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        links = _Links()
        links.feed(response.content.decode())
        for href in links.hrefs:
            parts = urlsplit(urljoin(url, href))
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target.startswith("/") and not NOT_PAGES.search(target):
                queue.append((target, url))
    return visited


@pytest.mark.django_db(transaction=True)
def test_no_page_offers_a_link_its_reader_cannot_open():
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    dead = []
    walked = 0
    for username in ROLES:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        visited = _walk(client)
        walked += len(visited)
        dead += [
            (username, url, status, came_from)
            for url, status, came_from in visited
            if status not in (200, 302)
        ]
    assert walked > 300  # the walk reached the modules, not only the home pages
    assert dead == []


@pytest.mark.django_db(transaction=True)
def test_every_api_list_answers_over_the_demo_records():
    # The walk of every route runs on a small world of its own; the demo has a record of every
    # kind, so each list's answer schema meets real rows here (a response level once failed).
    load_demo_once(persons=DEMO_PERSONS, seed=DEMO_SEED)
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="commander"))
    schema = client.get("/api/v1/openapi.json").json()
    lists = [path for path, ops in schema["paths"].items() if "get" in ops and "{" not in path]
    assert len(lists) > 40
    failed, answered = [], 0
    for path in lists:
        response = client.get(path)
        if response.status_code != 200:
            failed.append((path, response.status_code, response.content[:200]))
        elif response.json().get("results"):
            answered += 1
    assert failed == []
    assert answered > 30  # most lists had rows to serialise
