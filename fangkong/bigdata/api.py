"""The bigdata API under /api/v1/: lists, rows and tasks (read, masked), outcomes (create and
batch from phones: one answer per record, safe to resend)."""

from ninja import Router

from fangkong.bigdata.kit import carrier_list_kit, list_row_kit, outcome_kit, task_kit
from fangkong.core.kit.api import kit_router

router = Router(tags=["bigdata"])
kit_router(carrier_list_kit, router=router)  # /carrier-lists, /carrier-lists/{id}
kit_router(list_row_kit, router=router)  # /carrier-list-rows, …/{id}
kit_router(task_kit, router=router)  # /verification-tasks, …/{id}
kit_router(outcome_kit, router=router)  # /verification-outcomes, /batch, …/{id}
