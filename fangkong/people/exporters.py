"""XLSX export of persons; columns, masking and headers come from the person kit, so an exported
sheet can be corrected and imported again."""

from django.utils.translation import gettext_lazy

from fangkong.core.kit.columns import KitExporter
from fangkong.people.kit import person_kit


class PersonExporter(KitExporter):
    key = "people.persons"
    title = gettext_lazy("Persons")
    kit = person_kit
