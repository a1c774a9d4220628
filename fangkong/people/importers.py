"""Import of persons from XLSX/CSV ledgers: columns, validation (``person_check``) and writes
(``person_create``) come from the person kit."""

from django.utils.translation import gettext_lazy

from fangkong.core.kit.columns import KitImporter
from fangkong.people.kit import person_kit


class PersonImporter(KitImporter):
    key = "people.persons"
    title = gettext_lazy("Persons")
    kit = person_kit
