"""``{% area_panels area %}``: the panels other apps registered for the area page
(``core.hooks.area_panel``)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from fangkong.core.hooks import area_panels as registered

register = template.Library()


@register.simple_tag(takes_context=True)
def area_panels(context, area):
    request = context.get("request")
    if area is None or request is None:
        return ""
    parts = []
    for template_name, build in registered():
        extra = build(request, area)
        if extra is not None:
            parts.append(render_to_string(template_name, {"area": area, **extra}, request=request))
    return mark_safe("".join(parts))  # noqa: S308 - rendered templates, autoescaped
