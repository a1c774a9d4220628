from django.urls import path

from fangkong.checkpoints import views
from fangkong.checkpoints.kit import checkpoint_kit, passage_kit, shift_kit
from fangkong.core.kit.views import kit_urls

app_name = "checkpoints"
urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/lookup/", views.register_lookup, name="register_lookup"),
    path("roster/", views.roster, name="roster"),
    path("registry/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("registry/<int:pk>/ledger.xlsx", views.ledger_export, name="ledger_export"),
    # checkpoint_list, _create, _import, _detail, _edit, _delete, _history
    *kit_urls(checkpoint_kit, prefix="registry/"),
    *kit_urls(shift_kit, prefix="shifts/", views={"import": None}),
    # Passages are registered on the passage screen (register/), never edited afterwards.
    *kit_urls(
        passage_kit,
        prefix="passages/",
        views={"create": None, "edit": None, "delete": None, "import": None},
    ),
]
