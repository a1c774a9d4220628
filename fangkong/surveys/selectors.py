"""Reads of the surveys app, every one scoped with ``restrict()``.

Coverage is read from kept rows, never by counting visits: ``Coverage`` (seen/visited per
campaign and grid, moved in each visit's transaction) beside ``places.AreaCount`` (households
per grid). A district of 350,000 households has a few thousand grids, so a coverage page sums
a few thousand small rows whatever the number of visits (bench/surveys.py measures it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from fangkong.core.scoping import area_prefix_q, grant_paths
from fangkong.surveys.filtersets import (
    CampaignFilterSet,
    DeclarationFilterSet,
    StaffFilterSet,
    UnitFilterSet,
    VisitFilterSet,
)
from fangkong.surveys.models import Campaign, Coverage, Declaration, Unit, UnitStaff, Visit

COVERAGE_PERM = "surveys.view_visit"


def visible_campaigns(*, actor) -> QuerySet[Campaign]:
    """Campaigns in the actor's jurisdiction, and the campaigns over it (a grid worker sees the
    district's round that covers their grid)."""
    paths = grant_paths(actor, "surveys.view_campaign") if not actor.is_superuser else ["/"]
    over = Q()
    for path in paths:
        # Ancestors of a grant area: their paths are prefixes of it.
        prefixes = ["/".join(path.split("/")[:i]) + "/" for i in range(2, path.count("/"))]
        over |= Q(area__path__in=prefixes)
    queryset = Campaign.objects.restrict(actor, "view")
    if paths and over:
        queryset = Campaign.objects.filter(
            Q(pk__in=queryset.values("pk")) | over, deleted_at__isnull=True
        )
    return queryset.select_related("area")


def campaign_list(*, actor, filters: dict | None = None) -> QuerySet[Campaign]:
    """The campaigns list (``visible_campaigns`` through the list's FilterSet)."""
    queryset = visible_campaigns(actor=actor)
    return CampaignFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def campaign_get(*, actor, pk) -> Campaign:
    """One campaign the actor may see (``Campaign.DoesNotExist`` otherwise)."""
    return visible_campaigns(actor=actor).get(pk=pk)


def visit_list(*, actor, filters: dict | None = None) -> QuerySet[Visit]:
    queryset = Visit.objects.restrict(actor, "view").select_related(
        "campaign", "household__area", "worker"
    )
    return VisitFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def blanks(*, actor, campaign: Campaign, query: str = "", area=None) -> QuerySet:
    """Households of the campaign's area, in the actor's grids, not yet seen in it (never
    visited, or not reachable last time: those carry their retry date). Search by household
    number, address or head's name."""
    from fangkong.places.models import Household

    seen = Visit.objects.filter(
        campaign=campaign, household=OuterRef("pk"), outcome=Visit.Outcome.SEEN
    )
    queryset = (
        Household.objects.restrict(actor, "view", perm=COVERAGE_PERM)
        .filter(area__path__startswith=(area or campaign.area).path)
        .exclude(Exists(seen))
        .select_related("area")
        .order_by("area__path", "number")
    )
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(
            Q(number__icontains=query) | Q(address__icontains=query) | Q(head_name__icontains=query)
        )
    return queryset


def retry_dates(campaign: Campaign, households) -> dict[int, tuple]:
    """Household id -> (reason, retry date) for those last found unreachable."""
    return {
        v["household_id"]: (v["unreachable_reason"], v["retry_on"])
        for v in Visit.objects.filter(
            campaign=campaign, household__in=[h.pk for h in households]
        ).values("household_id", "unreachable_reason", "retry_on")
    }


@dataclass
class Node:
    id: int
    code: str
    name: str
    level: int
    path: str
    households: int = 0
    visited: int = 0
    seen: int = 0
    unreachable: int = 0
    risks: int = 0
    children: list = field(default_factory=list)

    @property
    def percent(self) -> float:
        return round(100.0 * self.seen / self.households, 1) if self.households else 0.0

    @property
    def blanks(self) -> int:
        return max(self.households - self.seen, 0)

    @property
    def colour(self) -> str:
        """Red under 60 %, amber under 95 %, green from 95 % (a grid is done at 到户见人)."""
        return "red" if self.percent < 60 else "amber" if self.percent < 95 else "green"

    def as_dict(self, depth: int = 99) -> dict:
        out = {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "households": self.households,
            "visited": self.visited,
            "seen": self.seen,
            "unreachable": self.unreachable,
            "risks": self.risks,
            "percent": self.percent,
            "colour": self.colour,
        }
        if depth > 0 and self.children:
            out["children"] = [c.as_dict(depth - 1) for c in self.children]
        return out


def coverage_tree(*, actor, campaign: Campaign, root=None) -> Node | None:
    """The campaign's coverage from the kept rows: households (``places.AreaCount``) and seen /
    visited / unreachable / risks (``Coverage``) per grid, summed up the area tree, limited to
    the grids the actor may see visits of. ``root`` (an area inside the campaign) narrows it.
    Three queries, a few thousand rows for a district; ``None`` when the actor sees none."""
    from fangkong.places.counts import kind_of
    from fangkong.places.models import Area, AreaCount, Household

    root = root or campaign.area
    if not root.path.startswith(campaign.area.path):
        return None
    if actor.is_superuser:
        scope = Q()
    else:
        paths = grant_paths(actor, COVERAGE_PERM)
        if not paths:
            return None
        # The actor's grids, and the areas above them up to ``root`` (to hang them in the tree).
        scope = area_prefix_q(paths)
        for path in paths:
            parts = path.strip("/").split("/")
            scope |= Q(path__in=["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))])
    areas = list(
        Area.objects.filter(scope, path__startswith=root.path)
        .order_by("path")
        .values_list("id", "code", "name", "level", "path")
    )
    if not areas:
        return None
    nodes = {row[4]: Node(*row) for row in areas}
    grids = {n.id: n for n in nodes.values() if n.level == Area.Level.GRID}
    if not actor.is_superuser:
        allowed = tuple(grant_paths(actor, COVERAGE_PERM))
        grids = {i: n for i, n in grids.items() if n.path.startswith(allowed)}
    counts = AreaCount.objects.filter(
        kind=kind_of(Household), area__path__startswith=root.path
    ).values_list("area_id", "n")
    for area_id, n in counts:
        if area_id in grids:
            grids[area_id].households = n
    for area_id, visited, seen, unreachable, risks in Coverage.objects.filter(
        campaign=campaign, area__path__startswith=root.path
    ).values_list("area_id", "visited", "seen", "unreachable", "risks"):
        node = grids.get(area_id)
        if node is not None:
            node.visited, node.seen = visited, seen
            node.unreachable, node.risks = unreachable, risks
    top = nodes.get(root.path)
    if top is None:  # the actor sees part of ``root`` only: a synthetic top
        top = Node(root.id, root.code, root.name, root.level, root.path)
        nodes[root.path] = top
    for grid in grids.values():
        parts = grid.path.strip("/").split("/")
        for i in range(len(parts) - 1, 0, -1):
            above = nodes.get("/" + "/".join(parts[:i]) + "/")
            if above is None or not above.path.startswith(root.path):
                break
            for name in ("households", "visited", "seen", "unreachable", "risks"):
                setattr(above, name, getattr(above, name) + getattr(grid, name))
    # Children lists (only nodes with visible grids under them).
    live = {grid.path for grid in grids.values()}
    for grid_path in list(live):
        parts = grid_path.strip("/").split("/")
        for i in range(len(parts) - 1, 0, -1):
            live.add("/" + "/".join(parts[:i]) + "/")
    for path in sorted(nodes):
        node = nodes[path]
        if path == top.path or path not in live:
            continue
        parent = nodes.get(path[: path.rstrip("/").rfind("/") + 1])
        if parent is not None:
            parent.children.append(node)
        elif path.startswith(top.path) and node is not top:
            top.children.append(node)
    return top


def lagging(node: Node, limit: int = 20) -> list[Node]:
    """The grids furthest behind (lowest share seen, most blanks first)."""
    grids: list[Node] = []

    def walk(n: Node):
        if not n.children and n.level == 5:
            grids.append(n)
        for c in n.children:
            walk(c)

    walk(node)
    grids.sort(key=lambda n: (n.percent, -n.blanks))
    return grids[:limit]


def unit_list(*, actor, filters: dict | None = None) -> QuerySet[Unit]:
    queryset = Unit.objects.restrict(actor, "view").select_related("area", "head")
    return UnitFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def units_headed(*, actor) -> QuerySet[Unit]:
    """Units whose head is the actor (the head sees their own unit's roster without a grant)."""
    return Unit.objects.filter(head=actor).select_related("area")


def staff_list(*, actor, filters: dict | None = None) -> QuerySet[UnitStaff]:
    current = Declaration.objects.filter(staff=OuterRef("pk"), current=True)
    queryset = (
        UnitStaff.objects.restrict(actor, "view")
        .select_related("unit__area")
        .annotate(declared=Exists(current))
    )
    return StaffFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def roster(unit: Unit) -> QuerySet[UnitStaff]:
    """A unit's active staff with their current declaration status (for the head's page)."""
    current = Declaration.objects.filter(staff=OuterRef("pk"), current=True)
    return (
        UnitStaff.objects.filter(unit=unit, active=True)
        .annotate(declared=Exists(current))
        .order_by("declared", "name")
    )


def declaration_list(*, actor, filters: dict | None = None) -> QuerySet[Declaration]:
    queryset = Declaration.objects.restrict(actor, "view").select_related("staff__unit")
    return DeclarationFilterSet(filters or {}, queryset=queryset, actor=actor).qs


def my_staff_records(*, actor) -> QuerySet[UnitStaff]:
    """The staff records a user declares for themselves."""
    return UnitStaff.objects.filter(user=actor, active=True).select_related("unit")
