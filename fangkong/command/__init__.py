"""Response levels, leadership and working groups, meetings, directives and tasks, area
responsibility.
"""
