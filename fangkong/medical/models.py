"""Facilities, fever-clinic triage, referrals, cases, contact tracing, pharmacy and clinic
fever reports.
"""
