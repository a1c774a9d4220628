"""Export and import columns derived from the model kit (``fangkong.core.kit.columns``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from fangkong.command.testing import walk_records
from fangkong.core.exports import EXPORTERS, ExportColumn, Exporter, export_rows
from fangkong.core.fields import EncryptedTextField
from fangkong.core.imports import IMPORTERS, run_import
from fangkong.core.kit.columns import export_columns, parse_date
from fangkong.core.testing import make_id_number, make_phone, xlsx_bytes
from fangkong.core.xlsx import Column
from fangkong.people.kit import person_kit
from fangkong.people.models import Person, Tag

pytestmark = pytest.mark.django_db


def _cells(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


def leaked_values(exporter: Exporter, *, actor) -> tuple[int, list[str]]:
    """(how many personal numbers were exported, which of them appear in full) for a masked
    export of everything ``actor`` sees."""
    queryset = exporter.queryset(actor=actor, params={})
    encrypted = [
        f.name for f in queryset.model._meta.concrete_fields if isinstance(f, EncryptedTextField)
    ]
    secrets = {
        value
        for obj in queryset
        for name in encrypted
        if (value := getattr(obj, name) or "") and len(value) >= 6
    }
    cells = _cells(export_rows(exporter, actor=actor, params={}, unmasked=False, reason=""))
    return len(secrets), sorted(s for s in secrets if any(s in cell for cell in cells))


def test_no_registered_exporter_exports_an_encrypted_field_unmasked(
    commander, person_in, person_out, world, venue_in
):
    """Every exporter of every module: a masked export never holds a full ID or phone number.
    A model with encrypted fields must have records here, or the check would prove nothing."""
    # The command app's group members and area responsibilities carry phone numbers.
    walk_records(town=world.town, village=world.village, grid=world.grid, actor=commander, pk=9101)
    from fangkong.medical.models import Facility, PharmacyReport

    pharmacy = Facility.objects.create(area=person_in.area, name="测试药店", kind="pharmacy")
    report = PharmacyReport(
        pharmacy=pharmacy,
        buyer_name=person_in.name,
        buyer_id_number=person_in.id_number,
        buyer_phone=person_in.phone,
        symptom="发热",
        medicine="布洛芬",
    )
    report.refresh_sensitive_indexes()
    report.save()
    assert EXPORTERS
    _module_export_records(actor=commander, persons=[person_in, person_out])
    for key, exporter in EXPORTERS.items():
        model = exporter.queryset(actor=commander, params={}).model
        has_personal_data = any(
            isinstance(f, EncryptedTextField) for f in model._meta.concrete_fields
        )
        checked, leaks = leaked_values(exporter, actor=commander)
        assert not leaks, f"{key} exports {len(leaks)} personal numbers unmasked"
        if has_personal_data:
            assert checked, f"{key}: add records of {model.__name__} to this test's fixtures"
            sensitive = {c.column.key for c in exporter.columns if c.sensitive}
            encrypted = {
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
            }
            exported = {c.column.key for c in exporter.columns}
            # Columns that carry personal data are the ones written to the access log.
            assert encrypted & exported <= sensitive, key


def _module_export_records(*, actor, persons) -> None:
    """Records of the modules' own models, for the leak check above: each app may offer
    ``export_fixture_records(actor=, persons=)`` in ``<app>/tests/factories.py``."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        hook = getattr(module, "export_fixture_records", None)
        if hook is not None:
            hook(actor=actor, persons=persons)


def test_the_leak_check_catches_a_hand_written_column(commander, person_in):
    """The guard above is proven by breaking it: a per-column function that forgets to mask."""

    class Leaky(Exporter):  # no key: not registered
        title = "leaky"
        columns = [ExportColumn(Column("id_number", "ID"), lambda p, u: p.id_number)]

        def queryset(self, *, actor, params):
            return person_kit.selector(actor=actor, filters=params)

    checked, leaks = leaked_values(Leaky(), actor=commander)
    assert checked and person_in.id_number in leaks


def test_unmasked_export_shows_full_numbers(commander, person_in):
    data = export_rows(
        EXPORTERS["people.persons"], actor=commander, params={}, unmasked=True, reason="check"
    )
    assert person_in.id_number in _cells(data)


def test_cells_follow_the_field_types(commander, person_in):
    tag = Tag.objects.create(name="湖北返乡")
    person_in.tags.add(Tag.objects.create(name="密切接触者"), tag)
    Person.objects.filter(pk=person_in.pk).update(is_resident=False)
    with translation.override("en"):
        exporter = EXPORTERS["people.persons"]
        data = export_rows(exporter, actor=commander, params={}, unmasked=False, reason="")
        sheet = load_workbook(io.BytesIO(data)).active
        header = [c.value for c in sheet[1]]
        row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    person = Person.objects.get(pk=person_in.pk)
    assert header[:4] == ["Name", "Resident ID number", "Mobile number", "Area"]
    assert row["Resident ID number"] == person.masked("id_number") != person.id_number
    assert row["Mobile number"] == person.phone[:3] + "****" + person.phone[-4:]
    assert row["Area"] == person.area.code  # natural key, not the name
    assert row["Household"] == person.household.number
    assert row["Sex"] == "male"  # label, not "M"
    assert row["Date of birth"] == person.birth_date.isoformat()
    assert row["Resident"] == "no"
    assert row["Tags"] == "密切接触者、湖北返乡"


def test_sensitive_columns_are_chosen_by_field_type():
    columns = {c.column.key: c for c in export_columns(person_kit)}
    assert {k for k, c in columns.items() if c.sensitive} == {"id_number", "phone"}
    assert columns["phone"].value(Person(phone="13812345678"), False) == "138****5678"
    assert columns["phone"].value(Person(phone="13812345678"), True) == "13812345678"


def _import(key, headers, rows, actor):
    importer = IMPORTERS[key]
    return run_import(importer, xlsx_bytes(headers, rows), "sheet.xlsx", actor=actor)


def test_person_import_reads_choices_dates_and_yes_no(grid_worker, world):
    headers = ["Name", "Area", "Sex", "Date of birth", "Resident", "Household"]
    rows = [
        ["甲", world.grid.code, "女", "2010/3/4", "否", "001"],
        ["乙", world.grid.code, "female", dt.datetime(2011, 5, 6), "", ""],
    ]
    result = _import("people.persons", headers, rows, grid_worker)
    assert result.get("created") == 2, result
    first, second = Person.objects.get(name="甲"), Person.objects.get(name="乙")
    assert (first.sex, first.birth_date, first.is_resident) == ("F", dt.date(2010, 3, 4), False)
    assert first.household_id == world.household.pk
    assert (second.sex, second.birth_date, second.is_resident) == ("F", dt.date(2011, 5, 6), True)


def test_person_import_rejects_bad_cells_with_reasons(grid_worker, world):
    headers = ["Name", "Area", "Sex", "Date of birth", "Resident", "Household", "Tags"]
    rows = [
        ["甲", world.grid.code, "unknown", "", "", "", ""],
        ["乙", world.grid.code, "", "2010-02-30", "", "", ""],
        ["丙", world.grid.code, "", "", "perhaps", "", ""],
        ["丁", world.grid.code, "", "", "", "999", ""],
        ["戊", world.grid.code, "", "", "", "", "无此标签、也没有"],
    ]
    with translation.override("en"):
        result = _import("people.persons", headers, rows, grid_worker)
    assert result["failed"] and result["rejected"] == 5
    reasons = {row["name"]: reason for _line, row, reason in result["errors"]}
    assert "is not one of" in reasons["甲"]
    assert "not a date" in reasons["乙"]
    assert "yes or no" in reasons["丙"]
    assert "no household 999" in reasons["丁"]
    assert "无此标签" in reasons["戊"] and "也没有" in reasons["戊"]
    assert not Person.objects.filter(name__in=["甲", "乙", "丙", "丁", "戊"]).exists()


def test_import_validates_through_the_kit_check(grid_worker, world, monkeypatch):
    """Rows are validated by the service's check, not by a copy of it in the importer."""
    calls = []
    original = person_kit.check

    def spy(**kwargs):
        calls.append(kwargs["data"]["name"])
        return original(**kwargs)

    importer = IMPORTERS["people.persons"]
    monkeypatch.setattr(importer, "kit", dataclasses.replace(person_kit, check=spy))
    number = make_id_number()
    result = run_import(
        importer,
        xlsx_bytes(["Name", "Resident ID number", "Area"], [["甲", number, world.grid.code]]),
        "s.xlsx",
        actor=grid_worker,
    )
    assert calls == ["甲"] and result.get("created") == 1


def test_household_import_refuses_a_number_twice_in_one_file(commander, world):
    rows = [[world.grid2.code, "9", "二组9号"], [world.grid2.code, "9", "二组9号乙"]]
    with translation.override("en"):
        result = _import(
            "places.households", ["Area", "Household number", "Address"], rows, commander
        )
    assert result["failed"] and result["rejected"] == 1
    (_line, _row, reason) = result["errors"][0]
    assert "earlier row of this file" in reason


def test_household_import_needs_a_grid(commander, world):
    with translation.override("en"):
        result = _import(
            "places.households",
            ["Area", "Household number", "Address"],
            [[world.village.code, "1", "村部"]],
            commander,
        )
    assert result["failed"] and "belongs to a grid" in result["errors"][0][2]


def test_phone_in_import_is_validated(grid_worker, world):
    with translation.override("en"):
        result = _import(
            "people.persons",
            ["Name", "Mobile number", "Area"],
            [["甲", "1234567", world.grid.code], ["乙", make_phone(), world.grid.code]],
            grid_worker,
        )
    assert result["rejected"] == 1 and result["errors"][0][1]["name"] == "甲"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2020-01-25", dt.date(2020, 1, 25)), ("2020年1月5日", dt.date(2020, 1, 5)), ("", None)],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


def test_parse_date_refuses_impossible_dates():
    with pytest.raises(ValidationError):
        parse_date("2020-02-30")


def test_column_help_follows_the_reader_language():
    importer = IMPORTERS["people.persons"]
    resident = next(c for c in importer.columns if c.key == "is_resident")
    sex = next(c for c in importer.columns if c.key == "sex")
    with translation.override("en"):
        assert "empty means yes" in str(resident.help) and "male" in str(sex.help)
    with translation.override("zh-hans"):
        assert "男" in str(sex.help) and str(resident.header) == "常住"
