"""Core tables: users, roles and grants, logs that nobody edits, API tokens, idempotency, jobs.

Also the abstract bases every domain model uses: ``DomainModel`` (version, timestamps, change
history) and ``ScopedModel`` (an ``area`` and jurisdiction scoping).
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fangkong.core.scoping import (
    AllObjectsManager,
    ScopedManager,
    ScopedQuerySet,
    area_model_label,
)
from fangkong.core.validators import validate_text


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Demo accounts may skip two-factor login.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.Model):
    """A role of DESIGN.md as data: a named group of permissions, granted per area."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="role")
    sort = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        permissions = [
            ("view_sensitive", _("Can view unmasked ID and phone numbers")),
            ("grant_role", _("Can grant roles to users")),
            ("approve_grant", _("Can approve role grants that unmask or grant")),
        ]

    def __str__(self) -> str:
        # Default role names are English source strings translated on display; a name an
        # administrator typed in Chinese passes through unchanged.
        return gettext(self.name)

    def perm_names(self) -> set[str]:
        return {
            f"{app}.{code}"
            for app, code in self.group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }

    @property
    def requires_2fa(self) -> bool:
        return bool(
            self.perm_names() & {"core.view_sensitive", "core.grant_role", "core.approve_grant"}
        )


class RoleGrantQuerySet(models.QuerySet):
    def active(self):
        """Grants in effect: approved and not revoked. Scoping and permissions read only these."""
        return self.filter(status=RoleGrant.Status.APPROVED, revoked_at__isnull=True)

    def pending(self):
        """Requested grants waiting for a second person's approval (not revoked)."""
        return self.filter(status=RoleGrant.Status.PENDING, revoked_at__isnull=True)


class RoleGrant(models.Model):
    """User U holds role R in area A (and everything below A).

    A grant of a role that can unmask personal data or grant roles is created ``pending`` and
    takes effect only when a second person approves it (separation of duties, MLPS level 3);
    other grants are approved when created. A refused grant stays as history.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("in effect")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="grants",
        verbose_name=_("user"),
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="grants", verbose_name=_("role")
    )
    area = models.ForeignKey(
        area_model_label(), on_delete=models.PROTECT, related_name="grants", verbose_name=_("area")
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(default=timezone.now, verbose_name=_("granted at"))
    # Pending is the safe default: a grant written by any other path than the service is not
    # in effect until someone approves it.
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    history = HistoricalRecords()

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "area"],
                condition=Q(revoked_at__isnull=True),
                name="unique_active_grant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.area}"


class DomainModel(models.Model):
    """Base of every domain record: optimistic version, timestamps, change history."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(inherit=True, excluded_fields=["updated_at"])

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django's field checks, and for every text field: no invisible control characters
        (line breaks only in a TextField). Services call ``full_clean()``, so forms, API and
        imports of every module get the same refusal with the same message."""
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if field.name in (exclude or ()) or field.name in errors:
                continue
            if not isinstance(field, models.CharField | models.TextField):
                continue
            try:
                validate_text(
                    getattr(self, field.attname),
                    multiline=isinstance(field, models.TextField),
                )
            except ValidationError as exc:
                errors.setdefault(field.name, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)


class ScopedModel(DomainModel):
    """A record that belongs to an area, soft-deletable, visible only within jurisdiction."""

    area = models.ForeignKey(
        area_model_label(), on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_reason = models.CharField(max_length=200, blank=True, editable=False)

    # How a record reaches its area for scoping (see core.scoping); a model scoped through a
    # related record overrides it, e.g. "checkpoint__area__path".
    scope_path = "area__path"

    objects = ScopedManager()
    all_objects = AllObjectsManager()

    class Meta:
        abstract = True


_pruning_logs: ContextVar[bool] = ContextVar("fk_pruning_logs", default=False)


@contextmanager
def allow_log_pruning():
    """The one door through which log rows may be deleted: the retention command."""
    token = _pruning_logs.set(True)
    try:
        yield
    finally:
        _pruning_logs.reset(token)


_audit_rows: ContextVar[list | None] = ContextVar("fk_audit_rows", default=None)


@contextmanager
def audit_survives_rollback():
    """Log rows written inside the block are written again if the work around them rolls back.

    A refused request must still leave its trace: a duplicate-ID hit or a rate-limit refusal
    inside a create that an ``Idempotency-Key`` wrapper then rolls back would otherwise vanish
    (and with it the count a rate limit reads). The caller says whether it rolled back by
    calling ``rewrite()`` on the yielded recorder; rows are copied, never updated.
    """
    rows: list[models.Model] = []
    token = _audit_rows.set(rows)
    try:
        yield _AuditRecorder(rows)
    finally:
        _audit_rows.reset(token)


class _AuditRecorder:
    def __init__(self, rows: list[models.Model]):
        self.rows = rows

    def rewrite(self) -> None:
        """Insert again every log row written inside the block (after its rollback)."""
        by_model: dict[type, list[models.Model]] = {}
        for row in self.rows:
            row.pk = None
            row._state.adding = True
            by_model.setdefault(type(row), []).append(row)
        self.rows.clear()
        token = _audit_rows.set(None)
        try:
            for model, rows in by_model.items():
                model.objects.bulk_create(rows)
        finally:
            _audit_rows.reset(token)


def _remember_audit(rows) -> None:
    pending = _audit_rows.get()
    if pending is not None:
        pending.extend(rows)


class ImmutableQuerySet(models.QuerySet):
    """Bulk changes skip ``Model.save()``/``delete()``, so they are refused here as well."""

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        _remember_audit(created)
        return created

    def update(self, **kwargs):
        raise PermissionError("log rows cannot be changed")

    def delete(self):
        if not _pruning_logs.get():
            raise PermissionError("log rows are removed only by manage.py prune_logs")
        return super().delete()

    def _raw_delete(self, using):
        if not _pruning_logs.get():
            raise PermissionError("log rows are removed only by manage.py prune_logs")
        return super()._raw_delete(using)


class ImmutableModel(models.Model):
    """Rows written once and never changed or deleted through the application."""

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk and not self._state.adding:
            raise PermissionError("log rows cannot be changed")
        super().save(*args, **kwargs)
        _remember_audit([self])

    def delete(self, *args, **kwargs):
        raise PermissionError("log rows cannot be deleted")


class AccessLogQuerySet(ImmutableQuerySet, ScopedQuerySet):
    """Immutable rows, scoped like records: an auditor reads the rows of their own areas."""


class AccessLog(ImmutableModel):
    """Each unmasked view or export of personal data: who saw whose what, when and why.

    ``subject_area`` is the area the subject belonged to at the time of access (from its scope
    path), so that an auditor granted in one town reads only that town's rows; rows whose
    subject had no area are read only by auditors whose grants take in the whole tree.
    """

    scope_path = "subject_area__path"

    class Action(models.TextChoices):
        VIEW = "view", _("viewed unmasked")
        EXPORT = "export", _("exported unmasked")
        SEARCH = "search", _("searched by ID or phone")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.BigIntegerField(_("record"), db_index=True)
    subject_label = models.CharField(_("whose"), max_length=100)
    subject_area = models.ForeignKey(
        area_model_label(),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
    )
    fields = models.CharField(_("fields"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.subject_label}"


class SecurityEvent(ImmutableModel):
    """Login failures, lockouts and access-control refusals (MLPS level 3)."""

    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("login failed")
        LOCKED_OUT = "locked_out", _("locked out")
        DENIED = "denied", _("access refused")
        OTP_FAILED = "otp_failed", _("two-factor code wrong")
        TOKEN_FAILED = "token_failed", _("API token refused")
        LOGIN = "login", _("logged in")
        GRANT_REQUESTED = "grant_requested", _("role grant requested")
        GRANT_APPROVED = "grant_approved", _("role grant approved")
        GRANT_REFUSED = "grant_refused", _("role grant refused")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(_("path"), max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class ApiToken(models.Model):
    """A per-user API token; only its SHA-256 is stored, the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at:
            return False
        return not (self.expires_at and self.expires_at <= timezone.now())


class IdempotencyRecord(models.Model):
    """The first answer to a create with an ``Idempotency-Key``, replayed on retries."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    route = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class BatchReceipt(models.Model):
    """One field record stored by a batch create, under the client's id for it.

    A phone resends a batch whose answer it never heard: each record whose (user, route,
    client_id) is already here answers "already stored" and is not stored again. The unique
    constraint makes that hold for concurrent retries too (``core.kit.batch``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    route = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64)
    # Null only while the batch that reserved the id is being stored (never committed so).
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "route", "client_id"], name="unique_batch_client_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.route}:{self.client_id}"


class Job(models.Model):
    """A long piece of work (import, export) run by the task worker, with visible progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(default=dict)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_file = models.CharField(max_length=300, blank=True)
    output_file = models.CharField(max_length=300, blank=True)
    output_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The running worker's lease: renewed with progress and by a timer; stale means it died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result row

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="core_job_lease_idx")]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class RolePermissionSeed(models.Model):
    """A permission that ``sync_roles`` once gave a default role because code declared it.

    Kept so that a permission an administrator later removed from the role is not given back
    at the next sync: only declared permissions without a seed row are added (see
    ``fangkong.core.kit.roles``).
    """

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="seeds")
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE, related_name="+")
    seeded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seeded role permission")
        verbose_name_plural = _("seeded role permissions")
        constraints = [
            models.UniqueConstraint(fields=["role", "permission"], name="unique_role_perm_seed")
        ]

    def __str__(self) -> str:
        return f"{self.role.code}: {self.permission.codename}"
