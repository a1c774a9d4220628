from django import template
from django.utils.translation import get_language

from fangkong.core.text import in_script

register = template.Library()


@register.filter
def script(text):
    """Show a stored (Simplified) place name in the reader's script."""
    return in_script(str(text or ""), get_language())


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for sorting and pages)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
