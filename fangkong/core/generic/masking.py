"""Masked values prepared for templates."""

from __future__ import annotations

# --------------------------------------------------------------------------- masking


def with_masked(objects) -> list:
    """Attach ``masked_<field>`` to each record with protected fields, for templates.

    Templates never get a raw number to print by mistake: they print ``masked_id_number``.
    """
    items = list(objects)
    for obj in items:
        for name in getattr(obj, "SENSITIVE", {}):
            setattr(obj, f"masked_{name}", obj.masked(name))
    return items
