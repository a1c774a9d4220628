from django.urls import path

from fangkong.places import views

app_name = "places"
urlpatterns = [
    path("", views.area_browser, name="area_browser"),
    path("areas/<int:pk>/", views.area_browser, name="area_detail"),
    path("areas/", views.AreaListView.as_view(), name="area_list"),
    path("areas/new/", views.area_create, name="area_create"),
    path("areas/<int:pk>/edit/", views.area_edit, name="area_edit"),
    path("areas/import/", views.AreaImportView.as_view(), name="area_import"),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/import/", views.HouseholdImportView.as_view(), name="household_import"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/delete/", views.household_delete, name="household_delete"),
]
