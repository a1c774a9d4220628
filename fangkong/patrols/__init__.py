"""Patrols, spot checks, violations, venue closures, weddings and funerals."""
