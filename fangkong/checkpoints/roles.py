"""The checkpoints' permissions for the default roles."""

VIEW = (
    "checkpoints.view_checkpoint",
    "checkpoints.view_shift",
    "checkpoints.view_passage",
)
MANAGE = (
    "checkpoints.add_checkpoint",
    "checkpoints.change_checkpoint",
    "checkpoints.add_shift",
    "checkpoints.change_shift",
    "checkpoints.delete_shift",
)

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW, *MANAGE, "checkpoints.delete_checkpoint"),
    "command_office": (*VIEW, *MANAGE, "checkpoints.delete_checkpoint"),
    "town_officer": (*VIEW, *MANAGE),
    # The clerk sees the checkpoints, rosters and ledgers of their area and registers passages
    # (only where a shift of theirs covers the moment: services.passage_check).
    "checkpoint_staff": (*VIEW, "checkpoints.add_passage"),
    "auditor": VIEW,
}
