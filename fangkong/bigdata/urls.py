from django.urls import path

from fangkong.bigdata import views
from fangkong.bigdata.kit import carrier_list_kit, list_row_kit, outcome_kit, task_kit
from fangkong.core.kit.views import kit_urls

app_name = "bigdata"
NONE = {"create": None, "import": None, "edit": None, "delete": None}

urlpatterns = [
    path("lists/new/", views.carrier_list_upload, name="carrierlist_create"),
    path("lists/<int:pk>/resume/", views.carrier_list_resume, name="carrierlist_resume"),
    path("lists/<int:pk>/file/", views.carrier_list_add_file, name="carrierlist_add_file"),
    path("rows/<int:pk>/resolve/", views.row_resolve, name="listrow_resolve"),
    path("tasks/<int:pk>/outcome/", views.task_outcome, name="verificationtask_outcome"),
    path("tasks/<int:pk>/assign/", views.task_assign, name="verificationtask_assign"),
    # carrierlist_list, _detail, _history (the create page is the upload above)
    *kit_urls(
        carrier_list_kit,
        {**NONE, "create": None, "detail": views.CarrierListDetailView},
        prefix="lists/",
    ),
    *kit_urls(
        list_row_kit, {**NONE, "detail": views.ListRowDetailView, "history": None}, prefix="rows/"
    ),
    *kit_urls(task_kit, {**NONE, "detail": views.TaskDetailView}, prefix="tasks/"),
    *kit_urls(outcome_kit, {**NONE, "detail": None, "history": None}, prefix="outcomes/"),
]
