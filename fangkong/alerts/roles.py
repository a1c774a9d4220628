"""Alerts: who may see the alerts routed to their areas, and the text messages of their areas."""

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
# Delivery status of text messages (and sending a failed one again): the officials who run the
# area, not the field roles.
for _code in ("district_commander", "command_office", "town_officer"):
    ROLE_PERMISSIONS[_code] = (
        *ROLE_PERMISSIONS[_code],
        "alerts.view_smsmessage",
        "alerts.change_smsmessage",
    )
