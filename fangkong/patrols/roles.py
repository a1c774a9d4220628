"""The patrols app's permissions for the default roles (synced once after migrate; an
administrator's later removal stands). Police officers work under the town's or village's
account roles; the system and security administrators get nothing here (separation of duties).
"""

MODELS = (
    "patrol",
    "spotcheck",
    "dispersal",
    "violation",
    "venue",
    "venueorder",
    "venueinspection",
    "ceremony",
    "followup",
)
VIEW = tuple(f"patrols.view_{m}" for m in MODELS) + ("patrols.view_arrangement",)
ADD = tuple(f"patrols.add_{m}" for m in MODELS)
CHANGE = tuple(f"patrols.change_{m}" for m in MODELS)
DELETE = tuple(
    f"patrols.delete_{m}"
    for m in ("patrol", "spotcheck", "dispersal", "violation", "venue", "ceremony")
)
# A grid worker reports what they see at the doors and on the lanes.
FIELD = (
    "patrols.add_spotcheck",
    "patrols.add_dispersal",
    "patrols.add_violation",
    "patrols.add_ceremony",
    "patrols.change_ceremony",
    "patrols.add_followup",
    "patrols.add_venueinspection",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW, *ADD, *CHANGE, *DELETE),
    "command_office": (
        *VIEW,
        *ADD,
        *CHANGE,
        *DELETE,
        "patrols.change_arrangement",
        "patrols.add_arrangement",
    ),
    "town_officer": (*VIEW, *ADD, *CHANGE),
    "village_cadre": (*VIEW, *ADD, *CHANGE),
    "grid_worker": (*VIEW, *FIELD),
}
