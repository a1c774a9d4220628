"""XLSX exports of the medical lists (masked by field type), and the CDC's case export: the
fields of the national infectious-disease direct-report card (传染病报告卡), with the patient's
ID and phone numbers masked unless the user may unmask them and asks to (access-logged)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.exports import ExportColumn, Exporter
from fangkong.core.kit.columns import KitExporter
from fangkong.core.validators import mask_mobile, mask_resident_id
from fangkong.core.xlsx import Column
from fangkong.medical import kit


class FacilityExporter(KitExporter):
    key, title, kit = "medical.facilities", _("Facilities"), kit.facility_kit


class MemberExporter(KitExporter):
    key, title, kit = "medical.facility-staff", _("Facility staff"), kit.member_kit


class JurisdictionExporter(KitExporter):
    key, title, kit = "medical.jurisdictions", _("Other jurisdictions"), kit.jurisdiction_kit


class FeverVisitExporter(KitExporter):
    key, title, kit = "medical.fever-visits", _("Fever-clinic visits"), kit.fever_visit_kit


class ReferralExporter(KitExporter):
    key, title, kit = "medical.referrals", _("Referrals"), kit.referral_kit


class NoticeExporter(KitExporter):
    key, title = "medical.jurisdiction-notices", _("Notices to other jurisdictions")
    kit = kit.notice_kit


class ContactExporter(KitExporter):
    key, title, kit = "medical.contacts", _("Contacts"), kit.contact_kit


class PharmacyReportExporter(KitExporter):
    key, title, kit = "medical.pharmacy-reports", _("Pharmacy reports"), kit.pharmacy_report_kit


class ClinicReportExporter(KitExporter):
    key, title, kit = "medical.clinic-reports", _("Clinic fever reports"), kit.clinic_report_kit


class HomeVisitExporter(KitExporter):
    key, title, kit = "medical.home-visits", _("Home-visit tasks"), kit.home_visit_kit


def _dt(value):
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _card_columns() -> list[ExportColumn]:
    def col(key, header, value, width=16, sensitive=False):
        return ExportColumn(Column(key, header, width=width), value, sensitive=sensitive)

    return [
        col("card_no", _("card number"), lambda c, u: f"FK{c.pk:08d}", 12),
        col("name", _("patient's name"), lambda c, u: c.patient.name, 12),
        col("sex", _("sex"), lambda c, u: c.patient.get_sex_display(), 6),
        col(
            "id_number",
            _("resident ID number"),
            lambda c, u: c.patient.id_number if u else mask_resident_id(c.patient.id_number),
            20,
            True,
        ),
        col(
            "birth_date",
            _("date of birth"),
            lambda c, u: c.patient.birth_date.isoformat() if c.patient.birth_date else "",
            12,
        ),
        col(
            "phone",
            _("phone"),
            lambda c, u: c.patient.phone if u else mask_mobile(c.patient.phone),
            14,
            True,
        ),
        col("occupation", _("occupation"), lambda c, u: c.occupation, 12),
        col("current_address", _("current address"), lambda c, u: c.current_address, 30),
        col(
            "belongs",
            _("patient belongs to"),
            lambda c, u: c.home_jurisdiction.name if c.home_jurisdiction else c.area.name,
            14,
        ),
        col(
            "onset_date",
            _("onset date"),
            lambda c, u: c.onset_date.isoformat() if c.onset_date else "",
            12,
        ),
        col("diagnosed_at", _("diagnosis date and time"), lambda c, u: _dt(c.diagnosed_at), 18),
        col("status", _("case classification"), lambda c, u: str(c.get_status_display()), 10),
        col("severity", _("clinical severity"), lambda c, u: str(c.get_severity_display()), 10),
        col("unit", _("reporting unit"), lambda c, u: c.reporting_facility.name, 24),
        col("doctor", _("reporting doctor"), lambda c, u: c.reporting_doctor, 12),
        col("reported_at", _("report date"), lambda c, u: _dt(c.reported_at), 18),
        col("changed", _("status changed"), lambda c, u: _dt(c.status_changed_at), 18),
    ]


class CaseCardExporter(Exporter):
    """The direct-report cards of the cases in the user's scope, for the CDC."""

    key, title = "medical.cases", _("Case report cards")
    columns = _card_columns()

    def queryset(self, *, actor, params: dict):
        return kit.case_kit.selector(actor=actor, filters=params).select_related(
            "patient", "reporting_facility", "home_jurisdiction", "area"
        )
