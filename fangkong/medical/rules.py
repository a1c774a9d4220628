"""The article's treatment rules (規範流程抓診治), configurable in settings:

- ``FANGKONG_HUBEI_FEVER_TRIAGE_AT``: a fever patient back from Hubei is triaged only at these
  kinds of facility (the district people's hospital);
- ``FANGKONG_FEVER_REFER_ONLY``: these may not close a fever visit, only refer (village and
  private clinics may not treat fever patients);
- ``FANGKONG_NO_SUSPECTED_ADMISSION``: these may not admit a suspected patient (town health
  centres).

Each refusal names the rule, so that the nurse knows what to do instead."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.utils.translation import gettext as _

from fangkong.medical.models import Facility, FeverVisit

# Clinics that report fever patients (and refer them on).
REPORTING_CLINICS = (
    Facility.Kind.VILLAGE_CLINIC,
    Facility.Kind.PRIVATE_CLINIC,
    Facility.Kind.HEALTH_CENTRE,
)
# Facilities that never triage: pharmacies sell no fever medicine and see no patients; the
# designated hospitals are outside the district's triage.
NO_TRIAGE = (Facility.Kind.PHARMACY, Facility.Kind.DESIGNATED)


def hubei_triage_kinds() -> tuple[str, ...]:
    return tuple(settings.FANGKONG_HUBEI_FEVER_TRIAGE_AT)


def _kinds(codes) -> str:
    labels = dict(Facility.Kind.choices)
    return "、".join(str(labels.get(c, c)) for c in codes)


def hubei_message() -> str:
    return _(
        "A fever patient back from Hubei is triaged only at the %(where)s: refer the patient there."
    ) % {"where": _kinds(hubei_triage_kinds())}


def triage_refusals(
    *, facility: Facility, fever: bool, from_hubei: bool, assessment: str, disposition: str
) -> Iterator[tuple[str, str]]:
    """``(field, message)`` for every rule this triage would break."""
    kind = facility.kind
    label = facility.get_kind_display()
    if kind in NO_TRIAGE:
        yield "facility", _("A %(kind)s does not triage patients.") % {"kind": label}
        return
    if fever and from_hubei and kind not in hubei_triage_kinds():
        yield "facility", hubei_message()
    refer_only = fever and kind in settings.FANGKONG_FEVER_REFER_ONLY
    if refer_only and disposition != FeverVisit.Disposition.REFERRED:
        yield (
            "disposition",
            _(
                "A %(kind)s may not close a fever visit or keep a fever patient: refer the "
                "patient to the fever clinic."
            )
            % {"kind": label},
        )
    suspected = assessment == FeverVisit.Assessment.SUSPECTED
    if suspected and disposition == FeverVisit.Disposition.ADMITTED:
        if kind in settings.FANGKONG_NO_SUSPECTED_ADMISSION:
            yield (
                "disposition",
                _(
                    "A %(kind)s may not admit a suspected patient: refer them to the designated "
                    "hospital."
                )
                % {"kind": label},
            )
        elif not facility.observation_beds:
            yield "disposition", _("%(facility)s has no observation beds.") % {"facility": facility}
    if suspected and disposition in (
        FeverVisit.Disposition.HOME,
        FeverVisit.Disposition.OBSERVATION,
    ):
        yield (
            "disposition",
            _(
                "A suspected patient is admitted to observation beds or referred to the designated "
                "hospital, never sent home."
            ),
        )
