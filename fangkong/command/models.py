"""Command (早): the district's response level over time, its leadership group and working
groups (compositions with effective dates, so that the upgrade of 28 January is a new
composition and the old one stays as history), meetings and the directives they issue, tasks
dispatched down the area tree with their progress, and area responsibility (包干).

Scoping: every record has an ``area``. For a task it is the area the task was dispatched
**to**; the issuing level sees it because it sits above (what it passed down), the receiving
level because it is theirs (what it received)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import DomainModel, ScopedModel
from fangkong.core.scoping import AllObjectsManager, ScopedManager
from fangkong.core.sensitive import SensitiveFieldsMixin


class ResponseLevel(ScopedModel):
    """A declared emergency response level of an area (the district), from a date until the
    next declaration (or ``effective_to``)."""

    class Level(models.IntegerChoices):
        I = 1, _("Level I (particularly serious)")  # noqa: E741 - the official numeral
        II = 2, _("Level II (serious)")
        III = 3, _("Level III (major)")
        IV = 4, _("Level IV (general)")

    level = models.PositiveSmallIntegerField(_("response level"), choices=Level.choices)
    effective_from = models.DateField(_("in effect from"))
    effective_to = models.DateField(_("in effect until"), null=True, blank=True)
    declared_by = models.CharField(_("declared by"), max_length=100)
    document_ref = models.CharField(_("document reference"), max_length=120, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name = _("response level")
        verbose_name_plural = _("response levels")
        indexes = [models.Index(fields=["area", "effective_from"], name="resplevel_area_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "effective_from"],
                condition=Q(deleted_at__isnull=True),
                name="resplevel_unique_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.effective_from:%Y-%m-%d}"

    @property
    def numeral(self) -> str:
        return {1: "I", 2: "II", 3: "III", 4: "IV"}.get(self.level, "?")

    def clean(self):
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end is before the start.")})


class CommandGroup(ScopedModel):
    """A leadership group or a working group, as composed from ``effective_from``.

    Re-composing a group (the leadership group upgraded on 28 January, party secretary as
    first leader) is a new ``CommandGroup`` with ``supersedes`` pointing at the old one, whose
    ``effective_to`` is set: the history of compositions is kept, not overwritten."""

    class Kind(models.TextChoices):
        LEADERSHIP = "leadership", _("leadership group")
        WORKING = "working", _("working group")

    group_kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    duties = models.TextField(_("duties"), blank=True)
    effective_from = models.DateField(_("in effect from"))
    effective_to = models.DateField(_("in effect until"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        verbose_name=_("replaces composition"),
    )
    document_ref = models.CharField(_("document reference"), max_length=120, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["group_kind", "sort", "-effective_from", "id"]
        verbose_name = _("command group")
        verbose_name_plural = _("command groups")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end is before the start.")})


class GroupMember(SensitiveFieldsMixin, DomainModel):
    """A member of one composition of a group: name, post in the group, position, phone."""

    scope_path = "group__area__path"
    SENSITIVE = {"phone": ("phone_bidx", "phone_last4_bidx", "mobile")}

    group = models.ForeignKey(
        CommandGroup, on_delete=models.PROTECT, related_name="members", verbose_name=_("group")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    post = models.CharField(_("post in the group"), max_length=50)
    position = models.CharField(_("position"), max_length=100, blank=True)
    duties = models.CharField(_("duties"), max_length=200, blank=True)
    phone = EncryptedTextField(_("contact phone"), blank=True)
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user account"),
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_reason = models.CharField(max_length=200, blank=True, editable=False)

    objects = ScopedManager()
    all_objects = AllObjectsManager()

    class Meta:
        ordering = ["group", "sort", "id"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")

    def __str__(self) -> str:
        return f"{self.name}（{self.post}）"


class Meeting(ScopedModel):
    class Kind(models.TextChoices):
        PARTY_COMMITTEE = "party_committee", _("party committee meeting")
        SPECIAL = "special", _("special meeting")
        PROGRESS = "progress", _("progress meeting")
        DISPATCH = "dispatch", _("dispatch meeting")

    meeting_kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    held_at = models.DateTimeField(_("held at"))
    chair = models.CharField(_("chair"), max_length=50)
    attendees = models.TextField(_("attendees"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    document_ref = models.CharField(_("document reference"), max_length=120, blank=True)

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["held_at"], name="meeting_held_idx")]

    def __str__(self) -> str:
        return self.title


class Directive(ScopedModel):
    """An instruction from a meeting of this level or from a higher level, to be carried out
    through tasks. ``area`` is the issuing level."""

    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), blank=True)
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="directives",
        verbose_name=_("meeting"),
    )
    issued_by = models.CharField(
        _("issued by (higher level)"),
        max_length=100,
        blank=True,
        help_text=_("For a directive from a higher level: who issued it."),
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    document_ref = models.CharField(_("document reference"), max_length=120, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        indexes = [models.Index(fields=["issued_at"], name="directive_issued_idx")]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if not self.meeting_id and not self.issued_by:
            raise ValidationError(
                {"issued_by": _("Name the meeting or the higher level that issued it.")}
            )


class Task(ScopedModel):
    """A task dispatched to an area (a town, a village), optionally to one of its working
    groups or to one person, with a deadline. ``area`` is the area it went **to**;
    ``from_area`` the level that dispatched it; ``parent`` the task it was passed down from."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", _("dispatched")
        ACKNOWLEDGED = "acknowledged", _("received")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed, awaiting verification")
        VERIFIED = "verified", _("verified")

    OPEN_STATUSES = (Status.DISPATCHED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)

    directive = models.ForeignKey(
        Directive,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("directive"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subtasks",
        verbose_name=_("passed down from"),
    )
    title = models.CharField(_("title"), max_length=120)
    details = models.TextField(_("details"), blank=True)
    from_area = models.ForeignKey(
        "places.Area",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dispatched by"),
    )
    assignee_group = models.ForeignKey(
        CommandGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("working group"),
    )
    assignee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person responsible"),
    )
    deadline = models.DateTimeField(_("deadline"))
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.DISPATCHED
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completion_note = models.TextField(_("completion report"), blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    escalated_at = models.DateTimeField(_("overdue alert raised"), null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        permissions = [("verify_task", _("Can verify completed tasks"))]
        indexes = [
            models.Index(fields=["status", "deadline"], name="task_status_deadline_idx"),
            models.Index(fields=["from_area", "status"], name="task_from_idx"),
            models.Index(fields=["dispatched_at"], name="task_dispatched_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.now()


class TaskNote(DomainModel):
    """A progress note on a task, optionally with one attachment (stored sealed, private)."""

    scope_path = "task__area__path"

    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, related_name="notes", verbose_name=_("task")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("progress"))
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    attachment_name = models.CharField(_("attachment"), max_length=120, blank=True)
    attachment_type = models.CharField(
        max_length=80, blank=True, editable=False, verbose_name=_("attachment type")
    )
    attachment_size = models.PositiveIntegerField(
        default=0, editable=False, verbose_name=_("attachment size")
    )
    # File name inside the private attachments directory (random, never the user's name).
    attachment_file = models.CharField(
        max_length=80, blank=True, editable=False, verbose_name=_("attachment file")
    )

    objects = ScopedManager()

    class Meta:
        ordering = ["written_at", "id"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")

    def __str__(self) -> str:
        return self.text[:40]


class Responsibility(SensitiveFieldsMixin, ScopedModel):
    """包干: a leader of the district, a town or a village answers for a named area."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("district leader")
        TOWN = "town", _("town leader")
        VILLAGE = "village", _("village leader")

    SENSITIVE = {"phone": ("phone_bidx", "phone_last4_bidx", "mobile")}

    leader_name = models.CharField(_("leader"), max_length=50)
    leader_level = models.CharField(_("leader of"), max_length=10, choices=Level.choices)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = EncryptedTextField(_("contact phone"), blank=True)
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user account"),
    )
    effective_from = models.DateField(_("in effect from"))
    effective_to = models.DateField(_("in effect until"), null=True, blank=True)

    class Meta:
        ordering = ["area__path", "leader_level", "id"]
        verbose_name = _("area responsibility")
        verbose_name_plural = _("area responsibilities")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "leader_level", "leader_name", "effective_from"],
                condition=Q(deleted_at__isnull=True),
                name="responsibility_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.leader_name} · {self.area}"
