"""Alerts: who may see the alerts routed to their areas."""

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    code: ("alerts.view_alert", "alerts.change_alert")
    for code in (
        "district_commander",
        "command_office",
        "town_officer",
        "village_cadre",
        "grid_worker",
        "checkpoint_staff",
        "clinician",
        "pharmacist",
    )
}
