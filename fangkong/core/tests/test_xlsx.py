import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy

from fangkong.core.xlsx import Column, read_table, template_workbook

COLUMNS = [
    Column("name", gettext_lazy("Name"), required=True, example="张三"),
    Column("phone", gettext_lazy("Phone"), example="13800000001"),
]


def header_in(lang: str) -> list[str]:
    with translation.override(lang):
        return [str(c.header) for c in COLUMNS]


@pytest.mark.parametrize("sheet_lang", ["zh-hans", "zh-hant", "en"])
@pytest.mark.parametrize("reader_lang", ["zh-hans", "en"])
def test_headers_are_read_in_any_interface_language(sheet_lang, reader_lang):
    data = (",".join(header_in(sheet_lang)) + "\n张三,13800000001\n").encode("utf-8-sig")
    with translation.override(reader_lang):
        table = read_table(data, "people.csv", COLUMNS)
    assert table.rows == [(2, {"name": "张三", "phone": "13800000001"})]


def test_downloaded_template_reads_back():
    with translation.override("zh-hans"):
        data = template_workbook("Persons", COLUMNS)
        table = read_table(data, "template.xlsx", COLUMNS)
    assert table.rows == [(2, {"name": "张三", "phone": "13800000001"})]


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "a.csv", "empty"),
        (b"PK\x03\x04not really a zip", "a.xlsx", "broken_file"),
        (b"name\n", "a.txt", "file_type"),
        ("电话\n13800000001\n".encode(), "a.csv", "missing_columns"),
        ("姓名\n".encode(), "a.csv", "no_rows"),
    ],
)
def test_broken_files_get_a_specific_message(data, name, code):
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        read_table(data, name, COLUMNS)
    assert exc.value.code == code


def test_gb18030_csv_from_chinese_excel():
    data = (",".join(header_in("zh-hans")) + "\n欧阳娜娜,\n").encode("gb18030")
    with translation.override("zh-hans"):
        table = read_table(data, "ledger.csv", COLUMNS)
    assert table.rows[0][1]["name"] == "欧阳娜娜"


def test_a_failed_streamed_export_leaves_no_temporary_file(monkeypatch):
    """Rows already written (personal data, perhaps unmasked) must not stay in the temp
    directory of a long-running worker when an export fails half-way."""
    import io
    import os

    from openpyxl.worksheet import _writer

    from fangkong.core.xlsx import Column, write_workbook_to

    def rows():
        yield ["张三", "430971********123X"]
        raise RuntimeError("the database went away")

    created = []
    make = _writer.create_temporary_file

    def remember(*args, **kwargs):
        created.append(make(*args, **kwargs))
        return created[-1]

    monkeypatch.setattr(_writer, "create_temporary_file", remember)
    with pytest.raises(RuntimeError):
        write_workbook_to(
            io.BytesIO(), "t", [Column("name", "姓名"), Column("id", "身份证号")], rows()
        )
    assert created, "the write-only sheet wrote through a temporary file"
    assert not [path for path in created if os.path.exists(path)]
