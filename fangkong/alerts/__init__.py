"""In-app alerts routed by jurisdiction and role, with acknowledgement, escalation and SMS."""
