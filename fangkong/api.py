"""The REST API at /api/v1/ (django-ninja); OpenAPI docs at /api/v1/docs.

Every route needs a user: a per-user token (``Authorization: Bearer fk_<prefix>_<secret>``)
or the browser session (CSRF on writes, second factor entered when the roles require it).
Errors are JSON (``fangkong.core.api_errors``); creates honour ``Idempotency-Key``
(``fangkong.core.idempotency``). A new module adds its router here.
"""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from fangkong.alerts.api import router as alerts_router
from fangkong.bigdata.api import router as bigdata_router
from fangkong.checkpoints.api import router as checkpoints_router
from fangkong.command.api import router as command_router
from fangkong.core.api_auth import api_auth
from fangkong.core.api_errors import install_error_handlers
from fangkong.medical.api import router as medical_router
from fangkong.observation.api import router as observation_router
from fangkong.patrols.api import router as patrols_router
from fangkong.people.api import router as people_router
from fangkong.people.api_transfers import router as transfers_router
from fangkong.places.api import router as places_router
from fangkong.reports.api import router as reports_router
from fangkong.surveys.api import router as surveys_router

api = NinjaAPI(
    title="Fangkong API",
    version="1",
    description=(
        "District epidemic prevention and control. Authenticate with "
        "`Authorization: Bearer fk_<prefix>_<secret>` (create a token on your profile page) "
        "or a signed-in browser session. Lists are paginated (`page`, `page_size`); updates "
        "carry the `version` you read and answer 409 with the current record when it is "
        "stale; creates accept an `Idempotency-Key` header. ID and phone numbers are masked; "
        "full numbers are searched with POST /persons/search and shown by POST "
        "/persons/{id}/reveal (logged)."
    ),
    urls_namespace="api",
    # The docs and schema need a signed-in user (docs/deployment.md): they list every route.
    docs_decorator=login_required,
    auth=api_auth(),
)
install_error_handlers(api)
api.add_router("/", places_router)
api.add_router("/", people_router)
api.add_router("/", transfers_router)
api.add_router("/", alerts_router)
api.add_router("/", checkpoints_router)
api.add_router("/", observation_router)
api.add_router("/", medical_router)
api.add_router("/", surveys_router)
api.add_router("/", bigdata_router)
api.add_router("/", patrols_router)
api.add_router("/", command_router)
api.add_router("/", reports_router)
