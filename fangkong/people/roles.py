"""The person registry's permissions for the default roles (``fangkong.core.kit.roles`` gives
them to existing roles once; an administrator's later removal stands)."""

VIEW = ("people.view_person", "people.view_tag")
EDIT = ("people.add_person", "people.change_person")

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW, *EDIT, "people.delete_person"),
    "command_office": (*VIEW, *EDIT, "people.delete_person", "people.add_tag"),
    "town_officer": (*VIEW, *EDIT),
    "village_cadre": (*VIEW, *EDIT, "people.delete_person"),
    "grid_worker": (*VIEW, *EDIT),
    "checkpoint_staff": ("people.add_person",),
    "clinician": ("people.view_person", "people.add_person"),
}
