"""Key persons and observation: permissions of the default roles."""

VIEW = (
    "observation.view_keyperson",
    "observation.view_observation",
    "observation.view_healthcheck",
    "observation.view_teammember",
    "observation.view_rosterentry",
    "observation.view_releasenotice",
)
EDIT = (
    "observation.add_keyperson",
    "observation.change_keyperson",
    "observation.add_observation",
    "observation.change_observation",
    "observation.add_healthcheck",
    "observation.add_teammember",
    "observation.change_teammember",
)
ROSTER = (
    "observation.add_rosterentry",
    "observation.change_rosterentry",
    "observation.delete_rosterentry",
)
SITES = (
    "observation.view_observationsite",
    "observation.add_observationsite",
    "observation.change_observationsite",
    "observation.delete_observationsite",
)
LISTS = (
    "observation.change_keypersoncategory",
    "observation.change_teamrole",
    "observation.change_measure",
    "observation.change_symptom",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW, *EDIT, *ROSTER, "observation.view_observationsite"),
    "command_office": (*VIEW, *EDIT, *ROSTER, *SITES, *LISTS, "observation.delete_keyperson"),
    "town_officer": (*VIEW, *EDIT, *ROSTER, "observation.view_observationsite"),
    "village_cadre": (*VIEW, *EDIT, *ROSTER),
    "grid_worker": (*VIEW, *EDIT),
    "clinician": (*VIEW, "observation.add_healthcheck"),
}
