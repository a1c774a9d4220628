"""Carrier (telecom) lists of arrivals from Hubei: import, matching, verification tasks."""
