"""Permissions on the area tree and households for the default roles (``fangkong.core.kit.roles``
gives them to existing roles once; an administrator's later removal stands)."""

VIEW = ("places.view_area", "places.view_household")
EDIT = ("places.add_household", "places.change_household")
AREA_ONLY = ("places.view_area",)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW, *EDIT),
    "command_office": (
        *VIEW,
        *EDIT,
        "places.add_area",
        "places.change_area",
        "places.delete_household",
    ),
    "town_officer": (*VIEW, *EDIT),
    "village_cadre": (*VIEW, *EDIT, "places.add_area"),
    "grid_worker": (*VIEW, *EDIT),
    "checkpoint_staff": AREA_ONLY,
    "clinician": AREA_ONLY,
    "pharmacist": AREA_ONLY,
    "warehouse_keeper": AREA_ONLY,
    "enterprise_liaison": AREA_ONLY,
    "counsellor": AREA_ONLY,
    "auditor": AREA_ONLY,
}
