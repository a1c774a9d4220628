"""Pages of the medical module under /medical/."""

from django.urls import path

from fangkong.core.kit.views import kit_urls
from fangkong.medical import kit, views

app_name = "medical"

STAFF = {
    "detail": views.DetailView,
    "edit": views.UpdateView,
    "history": views.HistoryView,
    "delete": None,
    "import": None,
}
READ_ONLY = {**STAFF, "create": None, "edit": None}

urlpatterns = [
    path("", views.index, name="index"),
    path("triage/", views.TriageView.as_view(), name="triage"),
    path("clinic-reports/new/", views.ClinicReportView.as_view(), name="clinicreport_create"),
    path(
        "referrals/<int:pk>/acknowledge/",
        views.referral_acknowledge_view,
        name="referral_acknowledge",
    ),
    path("cases/<int:pk>/transition/", views.case_transition_view, name="case_transition"),
    path("cases/<int:pk>/household/", views.case_household_view, name="case_household"),
    path("cases/<int:pk>/observe/", views.case_observe_view, name="case_observe"),
    *kit_urls(
        kit.facility_kit,
        {
            "detail": views.DetailView,
            "edit": views.UpdateView,
            "history": views.HistoryView,
            "delete": views.DeleteView,
        },
        prefix="facilities/",
    ),
    *kit_urls(kit.member_kit, {**STAFF}, prefix="staff/"),
    *kit_urls(kit.jurisdiction_kit, {**STAFF}, prefix="jurisdictions/"),
    *kit_urls(
        kit.fever_visit_kit, {**READ_ONLY, "detail": views.NotesDetailView}, prefix="fever-visits/"
    ),
    *kit_urls(
        kit.referral_kit,
        {**STAFF, "edit": None, "detail": views.ReferralDetailView},
        prefix="referrals/",
    ),
    *kit_urls(kit.notice_kit, READ_ONLY, prefix="notices/"),
    *kit_urls(
        kit.case_kit, {**STAFF, "edit": None, "detail": views.CaseDetailView}, prefix="cases/"
    ),
    *kit_urls(
        kit.contact_kit,
        {**STAFF, "edit": None, "create": views.ContactCreateView},
        prefix="contacts/",
    ),
    *kit_urls(
        kit.pharmacy_report_kit,
        {**STAFF, "edit": None, "create": views.PharmacyReportCreateView},
        prefix="pharmacy-reports/",
    ),
    *kit_urls(kit.clinic_report_kit, READ_ONLY, prefix="clinic-reports/"),
    *kit_urls(kit.home_visit_kit, {**STAFF, "create": None}, prefix="home-visits/"),
]
