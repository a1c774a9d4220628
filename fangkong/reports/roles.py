"""Who reads and issues the daily situation report (the dashboard reads the same)."""

VIEW = ("reports.view_dailyreport",)
ISSUE = ("reports.issue_dailyreport",)

ROLE_PERMISSIONS = {
    "district_commander": (*VIEW, *ISSUE),
    "command_office": (*VIEW, *ISSUE),
    # A town officer reads and issues the report of their town (villages as its columns).
    "town_officer": (*VIEW, *ISSUE),
}
