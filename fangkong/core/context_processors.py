from fangkong.core.navigation import ADMIN_NAV, menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def allowed(item):
        return item.url_name and (item.perm is None or user.has_perm(item.perm))

    return {
        **menu_for(allowed),
        "admin_nav": [item for item in ADMIN_NAV if allowed(item)],
    }
