from django.urls import path

from fangkong.core.kit.views import kit_urls
from fangkong.places import views
from fangkong.places.kit import household_kit

app_name = "places"
urlpatterns = [
    path("", views.area_browser, name="area_browser"),
    path("areas/<int:pk>/", views.area_browser, name="area_detail"),
    path("areas/", views.AreaListView.as_view(), name="area_list"),
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("areas/import/", views.AreaImportView.as_view(), name="area_import"),
    *kit_urls(
        household_kit,
        prefix="households/",
        views={
            "detail": views.HouseholdDetailView,
            "create": views.HouseholdCreateView,
            "edit": views.HouseholdUpdateView,
        },
    ),
]
