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
