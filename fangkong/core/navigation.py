"""The menu, grouped by the article's five pillars (早 嚴 廣 實 全) plus reports.

An entry with a URL name is a built module; an entry without one is shown greyed as
"not yet available" — never a fake screen. A group none of whose items the user can open (all
unbuilt, or not theirs) would only fill a phone's menu with grey: ``menu_for`` marks it, and the
menu hides it below 768 px behind one line naming what is coming (desktops keep it greyed).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str | None = None
    icon: str = "circle"
    perm: str | None = None


@dataclass(frozen=True)
class NavGroup:
    key: str
    glyph: str
    short: str  # what fits in the menu bar; ``label`` heads the dropdown
    label: str
    items: tuple[NavItem, ...]


NAV: tuple[NavGroup, ...] = (
    NavGroup(
        "base",
        "基",
        _("Registers"),
        _("Base registers"),
        (
            NavItem(_("Area browser"), "places:area_browser", "diagram-3", "places.view_area"),
            NavItem(
                _("Households"), "places:household_list", "house-door", "places.view_household"
            ),
            NavItem(_("Persons"), "people:person_list", "people", "people.view_person"),
            # Registering someone whose ID another area holds ends in a transfer request.
            NavItem(
                _("Transfer requests"),
                "people:transfer_list",
                "arrow-left-right",
                "people.add_person",
            ),
            # Alerts reach every role, so their inbox sits with the registers everyone opens.
            NavItem(_("Alerts"), "alerts:inbox", "bell", "alerts.view_alert"),
            NavItem(_("Text messages"), "alerts:sms_list", "chat-dots", "alerts.view_smsmessage"),
        ),
    ),
    NavGroup(
        "early",
        "早",
        _("Command"),
        _("Early: command"),
        (
            NavItem(
                _("Response level and directives"),
                "command:directive_list",
                "megaphone",
                "command.view_directive",
            ),
            NavItem(_("Meetings and tasks"), "command:board", "list-check", "command.view_task"),
            NavItem(
                _("Leadership and working groups"),
                "command:commandgroup_list",
                "diagram-2",
                "command.view_commandgroup",
            ),
            NavItem(
                _("Area responsibility (包干)"),
                "command:responsibility_list",
                "person-badge",
                "command.view_responsibility",
            ),
        ),
    ),
    NavGroup(
        "strict",
        "严",
        _("Control"),
        _("Strict: input, spread, treatment"),
        (
            NavItem(
                _("Checkpoints"), "checkpoints:home", "sign-stop", "checkpoints.view_checkpoint"
            ),
            NavItem(
                _("Home observation (14 days)"),
                "observation:today",
                "thermometer-half",
                "observation.view_observation",
            ),
            NavItem(
                _("Carpet surveys and unit declarations"),
                "surveys:campaign_list",
                "clipboard-check",
                "surveys.view_campaign",
            ),
            NavItem(
                _("Big-data list verification"),
                "bigdata:verificationtask_list",
                "phone-vibrate",
                "bigdata.view_verificationtask",
            ),
            NavItem(
                _("Patrols and venue closures"),
                "patrols:patrol_list",
                "shield-check",
                "patrols.view_patrol",
            ),
            NavItem(
                _("Fever clinics and pharmacies"),
                "medical:index",
                "hospital",
                "medical.view_facility",
            ),
        ),
    ),
    NavGroup(
        "broad",
        "广",
        _("Mobilise"),
        _("Broad: mobilise"),
        (
            NavItem(_("Publicity, SMS and phone calls"), icon="broadcast"),
            NavItem(_("Volunteers and neighbour supervisors"), icon="people-fill"),
            NavItem(_("Psychological aid"), icon="heart"),
        ),
    ),
    NavGroup(
        "practical",
        "实",
        _("Resources"),
        _("Practical: resources"),
        (
            NavItem(_("Supplies and donations"), icon="box-seam"),
            NavItem(_("Cadres and medical staff"), icon="person-workspace"),
        ),
    ),
    NavGroup(
        "comprehensive",
        "全",
        _("Recovery"),
        _("Comprehensive: recovery"),
        (
            NavItem(_("Resumption of work"), icon="building"),
            NavItem(_("Spring farming and lake restoration"), icon="flower1"),
        ),
    ),
    NavGroup(
        "reports",
        "报",
        _("Reports"),
        _("Reports"),
        (
            NavItem(
                _("Daily situation report"),
                "reports:report_index",
                "file-earmark-text",
                "reports.view_dailyreport",
            ),
            NavItem(_("Dashboard"), "reports:dashboard", "bar-chart", "reports.view_dailyreport"),
        ),
    ),
)


@dataclass(frozen=True)
class MenuGroup:
    """A group as one user sees it: ``open_items`` are the entries they can follow."""

    group: NavGroup
    open_items: frozenset[str]

    @property
    def available(self) -> bool:
        return bool(self.open_items)

    def __getattr__(self, name):
        return getattr(self.group, name)


def menu_for(allowed) -> dict:
    """The menu's context for a user, given ``allowed(item) -> bool`` (built and permitted)."""
    groups = [
        MenuGroup(group, frozenset(item.url_name for item in group.items if allowed(item)))
        for group in NAV
    ]
    return {
        "nav_groups": groups,
        "nav_allowed": {name for g in groups for name in g.open_items},
        "nav_coming": [g for g in groups if not g.available],
    }


ADMIN_NAV = (
    NavItem(_("Users and role grants"), "core:user_list", "person-gear", "core.grant_role"),
    NavItem(_("Grant approvals"), "core:grant_approvals", "shield-check", "core.approve_grant"),
    NavItem(_("Access log"), "core:accesslog_list", "eye", "core.view_accesslog"),
    NavItem(
        _("Security events"), "core:securityevent_list", "shield-lock", "core.view_securityevent"
    ),
)
