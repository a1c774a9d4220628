"""Key persons and observation: permissions of the default roles."""

VIEW = ("observation.view_keyperson", "observation.view_observation")
EDIT = (
    "observation.add_keyperson",
    "observation.change_keyperson",
    "observation.add_observation",
    "observation.change_observation",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW, *EDIT, "observation.view_observationsite"),
    "command_office": (
        *VIEW,
        *EDIT,
        "observation.view_observationsite",
        "observation.add_observationsite",
        "observation.change_observationsite",
    ),
    "town_officer": (*VIEW, *EDIT, "observation.view_observationsite"),
    "village_cadre": (*VIEW, *EDIT),
    "grid_worker": (*VIEW, *EDIT),
    "clinician": VIEW,
}
