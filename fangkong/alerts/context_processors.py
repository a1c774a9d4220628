def alerts(request):
    """Whether the header shows the alerts bell; the count itself arrives by htmx polling, so a
    page render costs no alert query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"alerts_bell": user.has_perm("alerts.view_alert")}
