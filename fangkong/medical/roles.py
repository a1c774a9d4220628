"""Permissions of the default roles for the medical module.

Facility staff (clinicians, pharmacists) see the records of the facilities they work at;
``view_all_facilities`` (command office, commander, town officers) lifts that to every facility
of their areas. Clinical notes (``view_clinical_notes``) are for clinicians and the command
office only. Grid workers and village cadres get the home-visit tasks of their grids."""

M = "medical."
VIEW_ALL = tuple(
    M + p
    for p in (
        "view_facility",
        "view_facilitymember",
        "view_jurisdiction",
        "view_fevervisit",
        "view_referral",
        "view_jurisdictionnotice",
        "view_case",
        "view_casetransition",
        "view_contact",
        "view_pharmacyreport",
        "view_clinicreport",
        "view_homevisittask",
        "view_all_facilities",
    )
)
REGISTRY = tuple(
    M + p
    for p in (
        "add_facility",
        "change_facility",
        "delete_facility",
        "add_facilitymember",
        "change_facilitymember",
        "add_jurisdiction",
        "change_jurisdiction",
    )
)
CLINICAL = tuple(
    M + p
    for p in (
        "view_facility",
        "view_facilitymember",
        "view_jurisdiction",
        "view_fevervisit",
        "add_fevervisit",
        "view_referral",
        "add_referral",
        "change_referral",
        "view_jurisdictionnotice",
        "view_case",
        "add_case",
        "change_case",
        "classify_case",
        "view_casetransition",
        "view_clinical_notes",
        "view_contact",
        "add_contact",
        "change_contact",
        "view_clinicreport",
        "add_clinicreport",
    )
)
TRACING = (M + "add_contact", M + "change_contact", M + "classify_case")
VISITS = (M + "view_homevisittask", M + "change_homevisittask")

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "district_commander": (*VIEW_ALL, *REGISTRY),
    "command_office": (*VIEW_ALL, *REGISTRY, *TRACING, M + "view_clinical_notes", *VISITS),
    "town_officer": (*VIEW_ALL, *VISITS),
    "village_cadre": VISITS,
    "grid_worker": VISITS,
    "clinician": CLINICAL,
    "pharmacist": (M + "view_facility", M + "view_pharmacyreport", M + "add_pharmacyreport"),
}
