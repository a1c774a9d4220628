"""Permissions of the big-data module for the default roles. Grid workers and village cadres
see only the verification tasks of their areas, never whole lists."""

LISTS = ("bigdata.view_carrierlist", "bigdata.view_listrow")
TASKS = ("bigdata.view_verificationtask", "bigdata.view_verificationoutcome")
VERIFY = ("bigdata.add_verificationoutcome",)
MANAGE = (
    "bigdata.add_carrierlist",
    "bigdata.change_carrierlist",
    "bigdata.change_listrow",
    "bigdata.change_verificationtask",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*LISTS, *TASKS, *VERIFY, *MANAGE),
    "command_office": (*LISTS, *TASKS, *VERIFY, *MANAGE),
    "town_officer": (*LISTS, *TASKS, *VERIFY, *MANAGE),
    "village_cadre": (*TASKS, *VERIFY),
    "grid_worker": (*TASKS, *VERIFY),
}
