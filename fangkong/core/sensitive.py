"""Sensitive personal data: blind indexes, masking, and the access log of every unmasked view.

Who may see a number unmasked is the ``core.view_sensitive`` permission, held through a role
grant covering the record's area. Each unmasked view or export is logged with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models

from fangkong.core import crypto
from fangkong.core.validators import mask_mobile, mask_resident_id

MASKERS = {"resident_id": mask_resident_id, "mobile": mask_mobile}
VIEW_SENSITIVE = "core.view_sensitive"


class SensitiveFieldsMixin(models.Model):
    """Keeps blind index and last-four-digit search columns in step with encrypted fields.

    Subclasses declare ``SENSITIVE = {"field": ("bidx_field", "last4_field", "purpose")}``; both
    columns hold keyed indexes (``crypto.blind_index``, ``crypto.last4_index``), never digits.
    """

    SENSITIVE: dict[str, tuple[str, str, str]] = {}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refresh_sensitive_indexes()
        super().save(*args, **kwargs)

    def refresh_sensitive_indexes(self) -> None:
        for field, (bidx_field, last4_field, purpose) in self.SENSITIVE.items():
            value = getattr(self, field) or ""
            setattr(self, bidx_field, crypto.blind_index(value, purpose) if value else "")
            setattr(self, last4_field, crypto.last4_index(value, purpose))

    def masked(self, field: str) -> str:
        purpose = self.SENSITIVE[field][2]
        return MASKERS[purpose](getattr(self, field) or "")


def can_view_sensitive(user, obj: models.Model) -> bool:
    """True if ``user`` holds ``core.view_sensitive`` in an area that covers ``obj`` (through
    its scope path, so a record scoped via a related record is masked by the same rule)."""
    from fangkong.core.scoping import covers

    return covers(user, VIEW_SENSITIVE, obj)


def log_access(
    *,
    actor,
    subjects: Iterable[models.Model],
    action: str,
    fields: list[str],
    reason: str,
    ip: str | None = None,
) -> int:
    """Write one access-log row per record whose personal data was shown or exported unmasked.

    Each row keeps the subject's area at the time of access (from its scope path), which is
    what scopes the log for auditors.
    """
    from fangkong.core.models import AccessLog
    from fangkong.core.scoping import scope_area_id_of

    rows = [
        AccessLog(
            actor=actor,
            action=action,
            subject_type=ContentType.objects.get_for_model(type(obj)),
            subject_id=obj.pk,
            subject_label=str(obj)[:100],
            subject_area_id=scope_area_id_of(obj),
            fields=",".join(fields)[:100],
            reason=reason[:200],
            ip=ip,
        )
        for obj in subjects
    ]
    AccessLog.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
