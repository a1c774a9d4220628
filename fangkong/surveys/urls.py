"""Pages of carpet surveys (摸排) and unit staff declarations."""

from django.urls import path

from fangkong.core.kit.views import kit_urls
from fangkong.surveys import views
from fangkong.surveys.kit import campaign_kit, declaration_kit, staff_kit, unit_kit, visit_kit

app_name = "surveys"
READ_ONLY = {"create": None, "import": None, "edit": None, "delete": None}

urlpatterns = [
    path("campaigns/<int:pk>/coverage.json", views.coverage_json, name="campaign_coverage"),
    path("campaigns/<int:pk>/blanks/", views.blanks_view, name="campaign_blanks"),
    path("campaigns/<int:pk>/visit/<int:household_pk>/", views.visit_form, name="visit_form"),
    path("units/<int:pk>/accounts/", views.unit_link_account, name="unit_link_account"),
    path("staff/<int:pk>/declare/", views.declare, name="declare"),
    path("declarations/mine/", views.my_declarations, name="my_declarations"),
    # campaign_list, _create, _detail (coverage), _edit, _delete, _history
    *kit_urls(
        campaign_kit,
        {"list": views.CampaignListView, "detail": views.CampaignDetailView, "import": None},
        prefix="campaigns/",
    ),
    *kit_urls(
        visit_kit,
        {**READ_ONLY, "list": views.VisitListView, "detail": views.VisitDetailView},
        prefix="visits/",
    ),
    *kit_urls(unit_kit, {"detail": views.UnitDetailView, "import": None}, prefix="units/"),
    *kit_urls(staff_kit, {"import": None, "delete": None}, prefix="staff/"),
    *kit_urls(
        declaration_kit,
        {**READ_ONLY, "detail": views.DeclarationDetailView},
        prefix="declarations/",
    ),
]
