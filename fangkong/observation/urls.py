from django.urls import path

from fangkong.core.kit.views import kit_urls
from fangkong.observation import views
from fangkong.observation.kit import (
    check_kit,
    key_person_kit,
    observation_kit,
    roster_kit,
    site_kit,
    team_kit,
)

app_name = "observation"
urlpatterns = [
    path("", views.today, name="today"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("key-persons/<int:pk>/observe/", views.key_person_observe, name="keyperson_observe"),
    path("key-persons/<int:pk>/close/", views.key_person_close, name="keyperson_close"),
    *kit_urls(
        key_person_kit,
        views={
            "list": views.KeyPersonListView,
            "detail": views.KeyPersonDetailView,
            "create": views.KeyPersonCreateView,
        },
        prefix="key-persons/",
    ),
    path("observations/<int:pk>/check/", views.record_check, name="record_check"),
    path("observations/<int:pk>/extend/", views.observation_extend, name="observation_extend"),
    path(
        "observations/<int:pk>/transfer/", views.observation_transfer, name="observation_transfer"
    ),
    path("observations/<int:pk>/release/", views.observation_release, name="observation_release"),
    path("observations/<int:pk>/notice.pdf", views.release_notice_pdf, name="release_notice"),
    path(
        "observations/<int:pk>/measures/<int:measure_pk>/",
        views.measure_toggle,
        name="measure_toggle",
    ),
    *kit_urls(
        observation_kit,
        views={
            "list": views.ObservationListView,
            "detail": views.ObservationDetailView,
            "create": views.ObservationCreateView,
            "import": None,
            "edit": None,
            "delete": None,
        },
        prefix="observations/",
    ),
    *kit_urls(
        check_kit,
        views={"create": views.CheckCreateView, "import": None, "edit": None, "delete": None},
        prefix="checks/",
    ),
    path("sites/capacity/", views.site_capacity, name="site_capacity"),
    *kit_urls(site_kit, prefix="sites/"),
    *kit_urls(roster_kit, prefix="roster/"),
    *kit_urls(team_kit, views={"import": None, "delete": None}, prefix="team/"),
    path("settings/<slug:kind>/", views.list_settings, name="list_settings"),
]
