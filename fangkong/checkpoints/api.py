"""The checkpoints API under /api/v1/: checkpoints, shifts and passages, with the kit's batch
path for passages (``POST /api/v1/passages/batch``, up to 500 per request, one answer per
record, safe to resend; see docs/batch-writes.md). The on-duty rule and the consequences of a
fever or a risk origin apply to every path (``services.passage_check`` and
``services.link_and_follow_up`` on the batch's ``records_created``)."""

from ninja import Router

from fangkong.checkpoints.kit import checkpoint_kit, passage_kit, shift_kit
from fangkong.core.kit.api import kit_router

router = Router(tags=["checkpoints"])
kit_router(checkpoint_kit, router=router)  # /checkpoints, /checkpoints/batch, …/{checkpoint_id}
kit_router(shift_kit, router=router, batch=False)  # /shifts, /shifts/{shift_id}
kit_router(
    passage_kit,
    router=router,
    descriptions={
        "at": "When the traveller passed (ISO 8601); default: now. A shift of yours at the "
        "checkpoint must cover it.",
        "temperature": "Body temperature in °C, 34.0–43.0; at or above the fever threshold the "
        "passage is flagged and a triage alert is raised.",
        "origin": "Where the traveller comes from; a risk origin (武汉, 湖北) makes them a key "
        "person.",
        "plate": "Chinese number plate, e.g. 湘H12345.",
    },
)  # /passages, /passages/batch, /passages/{passage_id}
