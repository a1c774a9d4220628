"""Carpet surveys (摸排) with coverage, and unit staff declarations."""
