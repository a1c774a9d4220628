from fangkong.core.navigation import ADMIN_NAV, NAV


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def allowed(item):
        return item.url_name and (item.perm is None or user.has_perm(item.perm))

    return {
        "nav_groups": NAV,
        "nav_allowed": {item.url_name for group in NAV for item in group.items if allowed(item)},
        "admin_nav": [item for item in ADMIN_NAV if allowed(item)],
    }
