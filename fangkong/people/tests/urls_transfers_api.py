"""Test URLs: the project's, plus the transfer router on an API of its own, for as long as the
integrator has not mounted it in fangkong/api.py (a router attaches to one API only)."""

from django.urls import path
from ninja import NinjaAPI

from fangkong.core.api_auth import api_auth
from fangkong.core.api_errors import install_error_handlers
from fangkong.people.api_transfers import router
from fangkong.urls import urlpatterns as project_urlpatterns

api = NinjaAPI(urls_namespace="api_transfers_test", auth=api_auth())
install_error_handlers(api)
api.add_router("/", router)

urlpatterns = [path("api/v1/", api.urls), *project_urlpatterns]
