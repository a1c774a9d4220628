"""Pharmacy reports sent in a batch (the phone app) are inserted in bulk, not through
``pharmacy_report_create``: each still gets its buyer matched, a home-visit task and an alert,
in the batch's transaction."""

from django.dispatch import receiver

from fangkong.core.kit.batch import records_created
from fangkong.medical.models import PharmacyReport


@receiver(records_created, sender=PharmacyReport, dispatch_uid="medical_pharmacy_batch")
def pharmacy_reports_batched(sender, objs, actor, **kwargs):
    from fangkong.medical.services import pharmacy_report_followup

    for report in objs:
        pharmacy_report_followup(actor=actor, report=report)
