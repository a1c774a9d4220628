from django.contrib import admin
from django.urls import include, path

from fangkong.api import api
from fangkong.core.kit.choices import choices_view

urlpatterns = [
    path("", include("fangkong.core.urls_accounts")),
    path("", include("fangkong.core.urls")),
    path("choices/<str:key>/", choices_view, name="choices"),
    path("places/", include("fangkong.places.urls")),
    path("people/", include("fangkong.people.urls")),
    path("alerts/", include("fangkong.alerts.urls")),
    path("checkpoints/", include("fangkong.checkpoints.urls")),
    path("observation/", include("fangkong.observation.urls")),
    path("medical/", include("fangkong.medical.urls")),
    path("surveys/", include("fangkong.surveys.urls")),
    path("bigdata/", include("fangkong.bigdata.urls")),
    path("patrols/", include("fangkong.patrols.urls")),
    path("command/", include("fangkong.command.urls")),
    path("reports/", include("fangkong.reports.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
