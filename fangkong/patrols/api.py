"""The patrols API under /api/v1/: the kits' routes for every list.

Phones sync spot checks and follow-up visits in batches (``POST /spot-checks/batch``,
``/follow-ups/batch``: one answer per record, safe to resend). The other registers are kept at
a desk and have no batch route: a venue's orders in particular follow a sequence rule that a
bulk insert would not see.
"""

from ninja import Router

from fangkong.core.kit.api import kit_router
from fangkong.patrols import kit

router = Router(tags=["patrols"])
kit_router(kit.patrol_kit, router=router, batch=False)
kit_router(kit.spot_check_kit, router=router, batch=True)
kit_router(kit.dispersal_kit, router=router, batch=False)
kit_router(kit.violation_kit, router=router, batch=False)
kit_router(kit.venue_kit, router=router, batch=False)
kit_router(kit.venue_order_kit, router=router, batch=False)
kit_router(kit.venue_inspection_kit, router=router, batch=False)
kit_router(kit.ceremony_kit, router=router, batch=False)
kit_router(kit.follow_up_kit, router=router, batch=True)
