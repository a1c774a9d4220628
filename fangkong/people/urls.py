from django.urls import path

from fangkong.core.kit.views import kit_urls
from fangkong.people import views, views_transfers
from fangkong.people.kit import person_kit

app_name = "people"
urlpatterns = [
    path("search/", views.person_search, name="person_search"),
    path("duplicates/", views.person_duplicates, name="person_duplicates"),
    path("merge/", views.person_merge, name="person_merge"),
    path("<int:pk>/reveal/", views.PersonRevealView.as_view(kit=person_kit), name="person_reveal"),
    *kit_urls(
        person_kit,
        views={
            "list": views.PersonListView,
            "detail": views.PersonDetailView,
            "create": views.PersonCreateView,
            "edit": views.PersonUpdateView,
            "history": views.PersonHistoryView,
            "import": views.PersonImportView,
        },
    ),
    path("transfers/", views_transfers.transfer_list, name="transfer_list"),
    path("transfers/new/", views_transfers.transfer_new, name="transfer_new"),
    path("transfers/<int:pk>/decide/", views_transfers.transfer_decide, name="transfer_decide"),
]
