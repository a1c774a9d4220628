"""Pages of the patrols app: one kit per list, each below its own path."""

from django.urls import path

from fangkong.core.kit.views import kit_urls
from fangkong.patrols import kit, views

app_name = "patrols"

_LIST = {"list": views.ListView, "detail": views.DetailView}
_NO_IMPORT = {**_LIST, "import": None}
_NO_DELETE = {**_NO_IMPORT, "delete": None}  # records without soft delete: corrected, not deleted

urlpatterns = [
    *kit_urls(kit.patrol_kit, _NO_IMPORT),
    *kit_urls(kit.spot_check_kit, _NO_IMPORT, prefix="spot-checks/"),
    *kit_urls(kit.dispersal_kit, _NO_IMPORT, prefix="gatherings/"),
    path(
        "violations/<int:pk>/refer/",
        views.ViolationActionView.as_view(kit=kit.violation_kit, step="refer"),
        name="violation_refer",
    ),
    path(
        "violations/<int:pk>/conclude/",
        views.ViolationActionView.as_view(kit=kit.violation_kit, step="conclude"),
        name="violation_conclude",
    ),
    *kit_urls(
        kit.violation_kit,
        {**_NO_IMPORT, "detail": views.ViolationDetailView},
        prefix="violations/",
    ),
    *kit_urls(
        kit.venue_kit,
        {"list": views.VenueListView, "detail": views.VenueDetailView},
        prefix="venues/",
    ),
    *kit_urls(
        kit.venue_order_kit,
        {**_NO_DELETE, "create": views.VenueOrderCreateView},
        prefix="venue-orders/",
    ),
    *kit_urls(
        kit.venue_inspection_kit,
        {**_NO_DELETE, "create": views.InspectionCreateView},
        prefix="inspections/",
    ),
    *kit_urls(
        kit.ceremony_kit,
        {**_LIST, "detail": views.CeremonyDetailView},
        prefix="ceremonies/",
    ),
    *kit_urls(
        kit.follow_up_kit,
        {**_NO_DELETE, "create": views.FollowUpCreateView},
        prefix="follow-ups/",
    ),
]
