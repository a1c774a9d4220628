"""The 24:00 daily situation report and the dashboard."""
