from django.urls import path

from fangkong.people import views, views_transfers

app_name = "people"
urlpatterns = [
    path("", views.PersonListView.as_view(), name="person_list"),
    path("search/", views.person_search, name="person_search"),
    path("new/", views.person_create, name="person_create"),
    path("import/", views.PersonImportView.as_view(), name="person_import"),
    path("duplicates/", views.person_duplicates, name="person_duplicates"),
    path("merge/", views.person_merge, name="person_merge"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("<int:pk>/history/", views.person_history, name="person_history"),
    path("transfers/", views_transfers.transfer_list, name="transfer_list"),
    path("transfers/new/", views_transfers.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/decide/", views_transfers.transfer_decide, name="transfer_decide"),
]
