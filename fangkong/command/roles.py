"""Command: the command office and the commander run everything; towns and villages see what
they received and passed down, dispatch to the level below, and report on their tasks."""

MODELS = ("responselevel", "commandgroup", "groupmember", "meeting", "directive", "responsibility")
VIEW = (*(f"command.view_{m}" for m in MODELS), "command.view_task", "command.view_tasknote")
EDIT = tuple(f"command.{a}_{m}" for m in MODELS for a in ("add", "change", "delete"))
TASKS = ("command.add_task", "command.change_task", "command.verify_task", "command.add_tasknote")

ROLE_PERMISSIONS = {
    "district_commander": (*VIEW, *EDIT, *TASKS),
    "command_office": (*VIEW, *EDIT, *TASKS),
    "town_officer": (
        *VIEW,
        *TASKS,
        "command.add_meeting",
        "command.change_meeting",
        "command.add_directive",
        "command.change_directive",
        "command.add_responsibility",
        "command.change_responsibility",
    ),
    "village_cadre": (
        "command.view_task",
        "command.view_tasknote",
        "command.change_task",
        "command.add_tasknote",
        "command.view_responselevel",
        "command.view_responsibility",
        "command.view_directive",
        "command.view_meeting",
    ),
    "grid_worker": ("command.view_responselevel",),
}
