"""Pages of the checkpoints app: my shift, the passage screen, the ledger, the roster week."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.checkpoints import ledger as ledger_xlsx
from fangkong.checkpoints import selectors, services
from fangkong.checkpoints.forms import PassageForm
from fangkong.checkpoints.models import Checkpoint, Passage, Shift
from fangkong.core.crypto import blind_index
from fangkong.core.generic import get_scoped_object_or_404, no_store
from fangkong.core.signals import log_denied
from fangkong.core.validators import normalize_resident_id

# The screen's lookup result is remembered for the next registration (so the clerk's own
# lookup is not counted twice against the hourly limit), for this long.
LOOKUP_MEMORY = dt.timedelta(minutes=10)
SESSION_LOOKUP = "checkpoints.lookup"
SESSION_LAST = "checkpoints.last_passage"


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        log_denied(request, perm)
        raise PermissionDenied


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _day(request, default: dt.date | None = None) -> dt.date:
    return parse_date(request.GET.get("day") or "") or default or timezone.localdate()


# --------------------------------------------------------------------------- my shift


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """ "My checkpoint, my shift": the shifts running now and the next ones, today's figures at
    the clerk's checkpoints; for managers, every checkpoint in their area with today's counts."""
    _require(request, "checkpoints.view_checkpoint")
    user, now = request.user, timezone.now()
    running = list(services.current_shifts(user, at=now))
    upcoming = list(
        Shift.objects.filter(user=user, start__gt=now)
        .select_related("checkpoint")
        .order_by("start")[:5]
    )
    today = timezone.localdate()
    checkpoints = list(selectors.checkpoint_list(actor=user, filters={"active": True})[:50])
    counts = selectors.today_counts(actor=user, checkpoints=checkpoints, day=today)
    rows = [(c, counts.get(c.pk, {})) for c in checkpoints]
    return render(
        request,
        "checkpoints/home.html",
        {
            "running": running,
            "upcoming": upcoming,
            "rows": rows,
            "today": today,
            "can_register": user.has_perm("checkpoints.add_passage"),
            "can_manage": user.has_perm("checkpoints.add_shift"),
        },
    )


# --------------------------------------------------------------------------- passage screen


def _checkpoint_for(request, pk) -> Checkpoint:
    """A checkpoint the user may see (404 otherwise); the service decides whether they are on
    duty there."""
    try:
        return Checkpoint.objects.restrict(request.user, "view").select_related("area").get(pk=pk)
    except (Checkpoint.DoesNotExist, ValueError, TypeError):
        log_denied(request, f"checkpoint {pk}")
        raise Http404 from None


def _remembered(request, number: str):
    """The person the clerk's own lookup of ``number`` found a moment ago, if any."""
    from fangkong.people.models import Person

    memory = request.session.get(SESSION_LOOKUP) or {}
    if not number or memory.get("bidx") != blind_index(number, "resident_id"):
        return None, False
    if timezone.now().timestamp() - memory.get("at", 0) > LOOKUP_MEMORY.total_seconds():
        return None, False
    if memory.get("person") is None:
        return None, True
    person = Person.objects.filter(pk=memory["person"]).select_related("household__area").first()
    return person, True


def _lookup(request, number: str):
    """``people.services.person_lookup`` (validated, logged, rate-limited), remembered."""
    from fangkong.people.services import person_lookup

    person = person_lookup(
        actor=request.user, id_number=number, purpose="checkpoint passage", ip=_ip(request)
    )
    request.session[SESSION_LOOKUP] = {
        "bidx": blind_index(normalize_resident_id(number), "resident_id"),
        "person": person.pk if person else None,
        "at": timezone.now().timestamp(),
    }
    return person


def _is_key_person(person) -> bool:
    from fangkong.observation.models import KeyPerson

    return (
        KeyPerson.all_objects.filter(person=person, deleted_at__isnull=True)
        .exclude(status=KeyPerson.Status.CLOSED)
        .exists()
    )


def _last_passage(request) -> Passage | None:
    pk = request.session.get(SESSION_LAST)
    if not pk:
        return None
    passage = (
        Passage.objects.restrict(request.user, "view")
        .select_related("checkpoint")
        .filter(pk=pk)
        .first()
    )
    if passage is not None:
        passage.masked_id_number = passage.masked("id_number")
    return passage


def _fresh_form(checkpoint: Checkpoint, direction: str = Passage.Direction.IN) -> PassageForm:
    return PassageForm(initial={"checkpoint": checkpoint.pk, "direction": direction})


def _screen(request, checkpoint, form, *, running, status=200) -> HttpResponse:
    context = {
        "checkpoint": checkpoint,
        "form": form,
        "running": running,
        "last": _last_passage(request),
        "origin_choices": services.ORIGIN_CHOICES,
    }
    template = (
        "checkpoints/_register_panel.html" if _is_htmx(request) else "checkpoints/register.html"
    )
    return no_store(render(request, template, context, status=status))


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """The passage screen: one form, thumb-sized, ready again after each passage.

    With htmx the form posts in place and comes back empty with the last passage confirmed on
    top; without JavaScript it is a plain POST answered by a redirect to the same screen."""
    _require(request, "checkpoints.add_passage")
    running = list(services.current_shifts(request.user))
    if request.method != "POST":
        wanted = request.GET.get("checkpoint")
        checkpoint = None
        if wanted:
            checkpoint = _checkpoint_for(request, wanted)
        elif running:
            checkpoint = running[0].checkpoint
        if checkpoint is None:
            return no_store(
                render(
                    request,
                    "checkpoints/register.html",
                    {"checkpoint": None, "running": running, "last": _last_passage(request)},
                )
            )
        return _screen(request, checkpoint, _fresh_form(checkpoint), running=running)

    form = PassageForm(request.POST)
    checkpoint = _checkpoint_for(request, request.POST.get("checkpoint"))
    if not form.is_valid():
        # Something that did not even parse (letters for the passenger count): say so, and
        # never store the passage without it.
        return _screen(request, checkpoint, form, running=running)
    data = form.service_data(checkpoint)
    number = (data.get("id_number") or "").strip()
    person = None
    try:
        if number:
            person, known = _remembered(request, number)
            if not known and not data.get("name"):
                person = _lookup(request, number)
            if person is not None and not data.get("name"):
                data["name"] = person.name
            elif person is None and not data.get("name"):
                raise ValidationError(
                    {
                        "name": _(
                            "This ID number is not in the registry: enter the name (and the "
                            "mobile number) to register the traveller."
                        )
                    }
                )
        passage = services.passage_create(
            actor=request.user, data=data, person=person, ip=_ip(request), register_traveller=True
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            target = field if field in form.fields and field != "checkpoint" else None
            for message in messages:
                form.add_error(target, message)
        return _screen(request, checkpoint, form, running=running)
    request.session[SESSION_LAST] = passage.pk
    request.session.pop(SESSION_LOOKUP, None)
    if _is_htmx(request):
        return _screen(
            request, checkpoint, _fresh_form(checkpoint, passage.direction), running=running
        )
    return redirect(f"{reverse('checkpoints:register')}?checkpoint={checkpoint.pk}")


@require_POST
@login_required
def register_lookup(request: HttpRequest) -> HttpResponse:
    """The screen's ID lookup (htmx): name, masked number and the key-person flag — or which
    digit rule failed, or "not registered" — and nothing else."""
    _require(request, "checkpoints.add_passage")
    number = request.POST.get("id_number", "")
    context: dict = {"number": number}
    try:
        person = _lookup(request, number)
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
    else:
        if person is not None:
            context.update(
                found=True,
                name=person.name,
                masked=person.masked("id_number"),
                key_person=_is_key_person(person),
            )
        else:
            context["not_found"] = True
    return no_store(render(request, "checkpoints/_lookup.html", context))


# --------------------------------------------------------------------------- ledger


@login_required
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    """One checkpoint's ledger of a day with its hourly counts (table and bar chart)."""
    _require(request, "checkpoints.view_passage")
    checkpoint = get_scoped_object_or_404(
        Checkpoint,
        request.user,
        "view",
        pk,
        request=request,
        queryset=Checkpoint.objects.select_related("area"),
    )
    day = _day(request)
    passages = list(selectors.ledger(actor=request.user, checkpoint=checkpoint, day=day)[:500])
    for p in passages:
        p.masked_id_number, p.masked_phone = p.masked("id_number"), p.masked("phone")
    hours = selectors.hourly_counts(actor=request.user, checkpoint=checkpoint, day=day)
    shifts = selectors.shifts_of_day(actor=request.user, checkpoint=checkpoint, day=day)
    return no_store(
        render(
            request,
            "checkpoints/ledger.html",
            {
                "checkpoint": checkpoint,
                "day": day,
                "previous": day - dt.timedelta(days=1),
                "next": day + dt.timedelta(days=1),
                "passages": passages,
                "hours": hours,
                "shifts": shifts,
                "totals": {k: sum(h[k] for h in hours) for k in ("in", "out", "fever")},
                "chart_data": {
                    "hours": [f"{h['hour']:02d}" for h in hours],
                    "in": [h["in"] for h in hours],
                    "out": [h["out"] for h in hours],
                    "fever": [h["fever"] for h in hours],
                    "labels": {"in": _("In"), "out": _("Out"), "fever": _("Fevers")},
                },
            },
        )
    )


@login_required
def ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The day's ledger as the paper form (XLSX, masked numbers, streamed from the database)."""
    _require(request, "checkpoints.view_passage")
    checkpoint = get_scoped_object_or_404(
        Checkpoint,
        request.user,
        "view",
        pk,
        request=request,
        queryset=Checkpoint.objects.select_related("area"),
    )
    day = _day(request)
    return no_store(ledger_xlsx.response(actor=request.user, checkpoint=checkpoint, day=day))


# --------------------------------------------------------------------------- roster week


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """The week grid of the roster: one row per checkpoint, one column per day, each shift
    with its hours and staff."""
    _require(request, "checkpoints.view_shift")
    start = _day(request)
    start -= dt.timedelta(days=start.weekday())
    days = [start + dt.timedelta(days=i) for i in range(7)]
    checkpoint = None
    if request.GET.get("checkpoint"):
        checkpoint = _checkpoint_for(request, request.GET["checkpoint"])
    grid: dict[int, dict] = {}
    for shift in selectors.shifts_of_week(actor=request.user, start=start, checkpoint=checkpoint):
        row = grid.setdefault(
            shift.checkpoint_id, {"checkpoint": shift.checkpoint, "days": [[] for _d in days]}
        )
        first = max(timezone.localdate(shift.start), start)
        last = min(timezone.localdate(shift.end - dt.timedelta(seconds=1)), days[-1])
        for i, day in enumerate(days):
            if first <= day <= last:
                row["days"][i].append(shift)
    return render(
        request,
        "checkpoints/roster.html",
        {
            "days": days,
            "rows": list(grid.values()),
            "previous": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
            "checkpoint": checkpoint,
            "can_add": request.user.has_perm("checkpoints.add_shift"),
        },
    )
