"""The REST API at /api/v1/ (django-ninja); OpenAPI docs at /api/v1/docs."""

from ninja import NinjaAPI

from fangkong.people.api import router as people_router
from fangkong.places.api import router as places_router

api = NinjaAPI(title="Fangkong API", version="1", urls_namespace="api")
api.add_router("/", places_router)
api.add_router("/", people_router)
