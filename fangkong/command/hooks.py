"""The command app's panel on the area page: who answers for this area (包干)."""

from fangkong.command.selectors import responsibilities_for_area
from fangkong.core.hooks import area_panel


@area_panel("command/_area_responsibility.html")
def responsibility_panel(request, area):
    if not request.user.has_perm("command.view_responsibility"):
        return None
    return {"responsibilities": responsibilities_for_area(actor=request.user, area=area)}
