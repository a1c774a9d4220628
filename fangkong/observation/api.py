"""The observation API under /api/v1/: key persons, observations, centralised sites, the
team roster and members, and the twice-daily checks with their batch path for phones
(``POST /api/v1/checks/batch``: up to 500 checks, each with a client id; good checks are kept
and every bad one is answered with its reasons — see docs/batch-writes.md)."""

from ninja import Router

from fangkong.core.kit.api import kit_router
from fangkong.observation.kit import (
    check_kit,
    key_person_kit,
    observation_kit,
    roster_kit,
    site_kit,
    team_kit,
)
from fangkong.observation.selectors import observation_get

router = Router(tags=["observation"])
kit_router(
    key_person_kit,
    router=router,
    optional=("source",),
    extra_output=("status", "identified_at"),
)
kit_router(
    observation_kit,
    router=router,
    getter=observation_get,
    optional=("kind", "site", "room", "start_date"),
    extra_output=("person", "planned_end_date", "status", "ended_at"),
    batch=False,
)
kit_router(site_kit, router=router)
kit_router(roster_kit, router=router, optional=("user",))
kit_router(team_kit, router=router, optional=("user",), batch=False)
kit_router(
    check_kit,
    router=router,
    optional=("date", "half", "symptoms", "note"),
    extra_output=("checked_at", "fever", "abnormal"),
)
