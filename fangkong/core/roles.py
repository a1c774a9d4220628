"""The roles of DESIGN.md as data. Seeded after every migrate when missing; an administrator may
edit a role's permissions afterwards, and seeding never overwrites them.

Separation of duties (三员分立): ``system_admin`` runs accounts and requests grants,
``security_admin`` approves grants that can unmask or grant, ``auditor`` reads the logs; none of
the three can view people, places or unmasked numbers."""

from django.utils.translation import gettext_noop

VIEW = ("places.view_area", "places.view_household", "people.view_person", "people.view_tag")
EDIT_PEOPLE = (
    "places.add_household",
    "places.change_household",
    "people.add_person",
    "people.change_person",
)
AUDIT = ("core.view_accesslog", "core.view_securityevent")

DEFAULT_ROLES: list[dict] = [
    {
        "code": "district_commander",
        "name": gettext_noop("District commander"),
        "sort": 10,
        "description": gettext_noop(
            "Whole district: response level, directives, daily report; may unmask."
        ),
        "perms": (
            *VIEW,
            *EDIT_PEOPLE,
            "people.delete_person",
            "core.view_sensitive",
            "core.approve_grant",
        ),
    },
    {
        "code": "command_office",
        "name": gettext_noop("Command office"),
        "sort": 20,
        "description": gettext_noop("Runs registers and tasks for the district."),
        "perms": (
            *VIEW,
            *EDIT_PEOPLE,
            "places.add_area",
            "places.change_area",
            "people.delete_person",
            "places.delete_household",
            "people.add_tag",
        ),
    },
    {
        "code": "town_officer",
        "name": gettext_noop("Town officer"),
        "sort": 30,
        "description": gettext_noop("One town: tasks for villages, town figures, cadres."),
        "perms": (*VIEW, *EDIT_PEOPLE),
    },
    {
        "code": "village_cadre",
        "name": gettext_noop("Village / community cadre"),
        "sort": 40,
        "description": gettext_noop("One village or community: households, key persons, surveys."),
        "perms": (*VIEW, *EDIT_PEOPLE, "places.add_area", "people.delete_person"),
    },
    {
        "code": "grid_worker",
        "name": gettext_noop("Grid worker"),
        "sort": 50,
        "description": gettext_noop("One or more grids: door-to-door checks on a phone."),
        "perms": (*VIEW, *EDIT_PEOPLE),
    },
    {
        "code": "checkpoint_staff",
        "name": gettext_noop("Checkpoint staff"),
        "sort": 60,
        "description": gettext_noop("One checkpoint: passage registration."),
        "perms": ("places.view_area", "people.add_person"),
    },
    {
        "code": "clinician",
        "name": gettext_noop("Clinician"),
        "sort": 70,
        "description": gettext_noop("One facility: triage, referrals, case reports."),
        "perms": ("places.view_area", "people.view_person", "people.add_person"),
    },
    {
        "code": "pharmacist",
        "name": gettext_noop("Pharmacist"),
        "sort": 80,
        "description": gettext_noop("One pharmacy: fever-medicine purchase reports (own only)."),
        "perms": ("places.view_area",),
    },
    {
        "code": "warehouse_keeper",
        "name": gettext_noop("Warehouse keeper"),
        "sort": 90,
        "description": gettext_noop("District stores (supplies module, not yet available)."),
        "perms": ("places.view_area",),
    },
    {
        "code": "enterprise_liaison",
        "name": gettext_noop("Enterprise liaison"),
        "sort": 100,
        "description": gettext_noop("Assigned firms (resumption module, not yet available)."),
        "perms": ("places.view_area",),
    },
    {
        "code": "counsellor",
        "name": gettext_noop("Counsellor"),
        "sort": 110,
        "description": gettext_noop("Aid station (counselling module, not yet available)."),
        "perms": ("places.view_area",),
    },
    {
        "code": "auditor",
        "name": gettext_noop("Auditor"),
        "sort": 120,
        "description": gettext_noop(
            "Whole district: access log and security events; no personal or health data."
        ),
        "perms": ("places.view_area", *AUDIT),
    },
    {
        "code": "access_auditor",
        "name": gettext_noop("Access-log auditor"),
        "sort": 125,
        "description": gettext_noop(
            "The access log of their own areas (a town, say); no security events."
        ),
        "perms": ("places.view_area", "core.view_accesslog"),
    },
    {
        "code": "system_admin",
        "name": gettext_noop("System administrator"),
        "sort": 130,
        "description": gettext_noop(
            "Accounts and settings; requests role grants. Sees no personal data, places or "
            "people; grants that unmask or grant wait for the security administrator."
        ),
        "perms": (
            "core.grant_role",
            "core.view_user",
            "core.add_user",
            "core.change_user",
        ),
    },
    {
        "code": "security_admin",
        "name": gettext_noop("Security administrator"),
        "sort": 140,
        "description": gettext_noop(
            "Approves or refuses role grants that unmask personal data or grant roles; reads "
            "security events. Sees no personal data."
        ),
        "perms": ("core.approve_grant", "core.view_user", "core.view_securityevent"),
    },
]


def seed_roles(**kwargs) -> None:
    """Create missing default roles with their permissions (idempotent)."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    from fangkong.core.models import Role

    # post_migrate reaches core before the later apps have their permissions: make them now.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))

    perms = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for spec in DEFAULT_ROLES:
        if Role.objects.filter(code=spec["code"]).exists():
            continue
        group, _ = Group.objects.get_or_create(name=f"role:{spec['code']}")
        group.permissions.set([perms[p] for p in spec["perms"] if p in perms])
        Role.objects.create(
            code=spec["code"],
            name=spec["name"],
            sort=spec["sort"],
            description=spec["description"],
            group=group,
        )
    # Declared permissions reach existing roles too, once (administrators' removals stay).
    from fangkong.core.kit.roles import sync_roles

    sync_roles()
