"""Permissions of the default roles on carpet surveys and unit declarations."""

VIEW = (
    "surveys.view_campaign",
    "surveys.view_visit",
    "surveys.view_unit",
    "surveys.view_unitstaff",
    "surveys.view_declaration",
)
LAUNCH = ("surveys.add_campaign", "surveys.change_campaign")
VISIT = ("surveys.add_visit", "surveys.change_visit")
UNITS = (
    "surveys.add_unit",
    "surveys.change_unit",
    "surveys.add_unitstaff",
    "surveys.change_unitstaff",
    "surveys.add_declaration",
)

ROLE_PERMISSIONS = {
    "district_commander": (
        *VIEW,
        *LAUNCH,
        *UNITS,
        "surveys.delete_campaign",
        "surveys.delete_unit",
    ),
    "command_office": (*VIEW, *LAUNCH, *UNITS, "surveys.delete_campaign"),
    "town_officer": (*VIEW, *LAUNCH, *VISIT, *UNITS),
    "village_cadre": (*VIEW, *VISIT),
    "grid_worker": ("surveys.view_campaign", "surveys.view_visit", *VISIT),
}
