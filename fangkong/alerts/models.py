"""Alerts: something happened that someone in an area must act on (a fever at a checkpoint, a
new referral, a pharmacy report, a missed check). An alert is routed to an **area** and to the
**roles** that should see it there: everyone holding one of those roles in that area or above
it sees it in their inbox. ``dedupe_key`` makes raising the same alert twice (a retried request,
a re-run job) store it once; the database enforces it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import EncryptedTextField
from fangkong.core.models import ScopedModel
from fangkong.core.scoping import ScopedManager
from fangkong.core.sensitive import SensitiveFieldsMixin


class Alert(ScopedModel):
    class Kind(models.TextChoices):
        FEVER_CHECKPOINT = "fever_checkpoint", _("fever at a checkpoint")
        RISK_ARRIVAL = "risk_arrival", _("arrival from a risk area")
        FEVER_CHECK = "fever_check", _("fever or symptoms at an observation check")
        MISSED_CHECK = "missed_check", _("observation check missed")
        REFERRAL = "referral", _("referral")
        PHARMACY_REPORT = "pharmacy_report", _("pharmacy fever-medicine report")
        CLINIC_REPORT = "clinic_report", _("clinic fever report")
        CASE_STATUS = "case_status", _("case status change")
        VERIFICATION = "verification", _("big-data verification task")
        SURVEY_RISK = "survey_risk", _("risk found in a carpet survey")
        TASK = "task", _("task")
        OTHER = "other", _("other")

    class Severity(models.TextChoices):
        INFO = "info", _("information")
        WARNING = "warning", _("warning")
        URGENT = "urgent", _("urgent")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    # Role codes (core.Role.code) that should see it in ``area``; empty: every role there
    # holding alerts.view_alert.
    roles = models.JSONField(_("roles"), default=list, blank=True)
    # A named recipient besides the roles (e.g. the person's grid worker), optional.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("details"), blank=True)
    link = models.CharField(_("link"), max_length=200, blank=True)
    # What raised it, e.g. "checkpoints.passage:123" — for tracing, never shown as a link.
    source = models.CharField(_("source"), max_length=80, blank=True)
    dedupe_key = models.CharField(
        max_length=120, blank=True, editable=False, verbose_name=_("deduplication key")
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    # 0: raised to ``area``; each escalation raises it one level up the area tree.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # The area the last escalation reached (one level up the tree each time).
    escalated_to = models.ForeignKey(
        "places.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("escalated to"),
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            models.Index(fields=["acknowledged_at", "raised_at"], name="alert_open_idx"),
            models.Index(fields=["kind", "raised_at"], name="alert_kind_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="alert_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class AlertRoute(models.Model):
    """Who an alert reaches, as rows an inbox finds by equality (never a prefix scan).

    One row per (area, role) pair: the alert's area **and every area above it**, for each of its
    roles (``"*"`` when the alert names no role: every role that may view alerts there), plus one
    row for a named recipient (``user`` set, no area). A user's inbox is then the alerts with a
    row ``(area, role)`` equal to one of their grants, or a row naming them: an ``IN`` over a
    handful of pairs on the ``(area, role, open, raised_at)`` index, however many alerts exist.
    An escalation adds the rows of the level it reached. ``open`` and ``raised_at`` are copies of
    the alert's state kept in step by the services, so that the unread badge is one indexed
    count."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="routes")
    area = models.ForeignKey(
        "places.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=40, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    open = models.BooleanField(default=True)
    raised_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["area", "role", "open", "raised_at"], name="alertroute_grant_idx"),
            models.Index(fields=["user", "open", "raised_at"], name="alertroute_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "area", "role", "user"], name="alertroute_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.area_id or self.user_id} {self.role}"


class AlertProfile(SensitiveFieldsMixin, models.Model):
    """What the alerts app knows about a user beyond ``core.User``: a mobile number for urgent
    alerts by text message (encrypted, masked on screens)."""

    SENSITIVE = {"phone": ("phone_bidx", "phone_last4_bidx", "mobile")}

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_profile"
    )
    phone = EncryptedTextField(_("mobile number for urgent alerts"), blank=True)
    phone_bidx = models.CharField(max_length=64, blank=True, editable=False)
    phone_last4_bidx = models.CharField(max_length=64, blank=True, editable=False)
    sms_enabled = models.BooleanField(_("text me urgent alerts"), default=True)

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(self.user)


class SmsMessage(models.Model):
    """One text message to send through the configured gateway, kept with its delivery status.

    Written by ``alerts.sms.queue_sms`` inside the caller's transaction, sent afterwards by the
    sending job, retried with backoff while the gateway is down: pending, never lost."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    template = models.CharField(_("template"), max_length=40, blank=True)
    # What asked for it, e.g. "alerts.alert:12" or "medical.referral:5".
    source = models.CharField(_("source"), max_length=80, blank=True)
    dedupe_key = models.CharField(max_length=120, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Where the message belongs, for the scoped list of messages (null: district level only).
    area = models.ForeignKey(
        "places.Area",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("area"),
    )

    scope_path = "area__path"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~Q(dedupe_key=""), name="sms_unique_dedupe_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phone} · {self.get_status_display()}"
