"""Search-as-you-type choice source of checkpoints (forms that pick a checkpoint)."""

from fangkong.core.kit.choices import ChoiceSource, register_source


def _search(queryset, query: str, params: dict):
    matches = queryset.filter(name__icontains=query) if query else queryset
    return matches.order_by("name")


CHECKPOINTS = register_source(
    ChoiceSource(
        model_key="checkpoints.checkpoint",
        search=_search,
        labels=lambda checkpoints, lang: [f"{c.name} ({c.area.name})" for c in checkpoints],
        prepare=lambda queryset: queryset.select_related("area"),
    )
)
