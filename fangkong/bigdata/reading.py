"""Reading carrier lists as carriers really send them, row by row, never the whole file at once.

- The type is decided by the file's first bytes, not its name: an .xlsx is a zip, an .xls an
  OLE2 compound file, anything else must be text (CSV in UTF-8, UTF-8 with BOM, or GBK/GB18030
  as Chinese Excel saves it). Anything else is refused before a row is read.
- The header row is found, not assumed: carriers put a title row (often merged across the
  sheet) and sometimes a grouping row (merged cells such as 基本信息 over several columns)
  above the real headers. The first row within ``HEADER_SCAN_ROWS`` that names the phone
  column is the header; headers are matched by their synonyms (手机号, 电话, 号码 …) in any
  order. Columns this import does not use (序号, 备注 …) are skipped and named in the result.
- Every sheet of a workbook that has a phone column is read (one sheet per day is common);
  each row keeps its sheet and line number.

``open_list(path)`` returns a ``ListReader`` whose ``rows()`` yields ``(sheet, line, values)``.
xlsx is streamed by openpyxl's read-only reader; .xls (at most 65,536 rows a sheet) by calamine;
CSV by the csv module over a decoded stream.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.xlsx import Column, header_names

HEADER_SCAN_ROWS = 20

COLUMNS: list[Column] = [
    Column(
        "phone",
        gettext_lazy("mobile number"),
        required=True,
        aliases=(
            "号码",
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "电话号码",
            "联系电话",
            "用户号码",
            "服务号码",
            "移动电话",
            "MSISDN",
            "phone",
            "mobile",
        ),
    ),
    Column("name", gettext_lazy("name"), aliases=("姓名", "用户姓名", "机主姓名", "客户姓名")),
    Column(
        "id_number",
        gettext_lazy("resident ID number"),
        aliases=("身份证号", "身份证号码", "身份证", "证件号码", "证件号", "公民身份号码"),
    ),
    Column(
        "arrival_date",
        gettext_lazy("arrival date"),
        aliases=(
            "到达日期",
            "抵达日期",
            "返乡日期",
            "来区日期",
            "到达时间",
            "抵达时间",
            "返回日期",
            "进入日期",
            "入区日期",
        ),
    ),
    Column(
        "origin",
        gettext_lazy("came from"),
        aliases=(
            "来源地",
            "出发地",
            "来自",
            "途经地",
            "来源地区",
            "来源城市",
            "漫游来源地",
            "始发地",
        ),
    ),
    Column(
        "phone_region",
        gettext_lazy("phone registered in"),
        aliases=("号码归属地", "归属地", "手机归属地", "号码归属"),
    ),
    Column(
        "village",
        gettext_lazy("village"),
        aliases=("村", "村(社区)", "村（社区）", "所在村", "社区", "村社区", "所在村(社区)"),
    ),
    Column(
        "source",
        gettext_lazy("list source"),
        aliases=("名单来源", "数据来源", "推送单位"),
    ),
    Column("list_date", gettext_lazy("list date"), aliases=("名单日期", "推送日期", "下发日期")),
]
# Columns the error report adds (line, sheet, reason): skipped when a corrected report is
# uploaded again into the same list.
REPORT_HEADERS = {"line", "行", "行号", "sheet", "工作表", "reason", "原因", "拒绝原因"}

_SPACE = re.compile(r"[\s\u3000]+")


def _key(text: str) -> str:
    return _SPACE.sub("", str(text)).rstrip("*＊").strip("：:").casefold()


def _names() -> dict[str, str]:
    by_name: dict[str, str] = {}
    for column in COLUMNS:
        for name in header_names(column):
            by_name.setdefault(_key(name), column.key)
    return by_name


def cell_text(value) -> str:
    """A cell as text: numbers without ``.0`` (a phone typed as a number), dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@dataclass
class Sheet:
    name: str
    header_line: int
    index: dict[int, str]  # position -> column key
    ignored: list[str] = field(default_factory=list)


class ListReader:
    """Rows of every usable sheet of one list file."""

    def __init__(self, path: Path, kind: str, encoding: str = ""):
        self.path = path
        self.kind = kind
        self.encoding = encoding
        self.sheets: list[Sheet] = []
        self.skipped_sheets: list[str] = []
        self.ignored: set[str] = set()
        self._names = _names()

    # -- raw rows per sheet --------------------------------------------------------------

    def _raw_sheets(self) -> Iterator[tuple[str, Iterator[list]]]:
        if self.kind == "csv":
            handle = open(self.path, encoding=self.encoding, newline="")  # noqa: SIM115
            try:
                yield "", csv.reader(handle)
            finally:
                handle.close()
        elif self.kind == "xlsx":
            from openpyxl import load_workbook

            # A file object, not the path: openpyxl refuses paths without an .xlsx suffix, and
            # uploads are stored under neutral names.
            with open(self.path, "rb") as handle:
                workbook = load_workbook(handle, read_only=True, data_only=True)
                try:
                    for sheet in workbook.worksheets:
                        yield sheet.title, sheet.iter_rows(values_only=True)
                finally:
                    workbook.close()
        else:
            from python_calamine import CalamineWorkbook

            workbook = CalamineWorkbook.from_path(str(self.path))
            try:
                for name in workbook.sheet_names:
                    yield name, iter(workbook.get_sheet_by_name(name).iter_rows())
            finally:
                workbook.close()

    def _find_header(self, raw: Iterator[list]) -> tuple[int, list[str], list[list]] | None:
        """(header line, header cells, rows read past it) or None if no row names a phone."""
        seen: list[list] = []
        for line in range(1, HEADER_SCAN_ROWS + 1):
            try:
                row = next(raw)
            except StopIteration:
                return None
            seen.append(row)
            cells = [cell_text(c) for c in row]
            if any(self._names.get(_key(c)) == "phone" for c in cells if c):
                return line, cells, []
        return None

    def _index(self, sheet: str, cells: list[str]) -> Sheet | None:
        index, ignored, taken = {}, [], set()
        for i, text in enumerate(cells):
            if not text:
                continue
            key = self._names.get(_key(text))
            if key is None or key in taken:
                if _key(text) not in REPORT_HEADERS:
                    ignored.append(text)
                continue
            taken.add(key)
            index[i] = key
        self.ignored.update(ignored)
        return Sheet(sheet, 0, index, ignored)

    def rows(self) -> Iterator[tuple[str, int, dict[str, str]]]:
        """``(sheet, line, {column key: text})`` for every non-empty data row."""
        for name, raw in self._raw_sheets():
            raw = iter(raw)
            found = self._find_header(raw)
            if found is None:
                self.skipped_sheets.append(name)
                continue
            header_line, cells, _rest = found
            sheet = self._index(name, cells)
            sheet.header_line = header_line
            self.sheets.append(sheet)
            items = list(sheet.index.items())
            # CSV cells are text already: strip them, skip the type checks of ``cell_text``.
            convert = str.strip if self.kind == "csv" else cell_text
            for line, row in enumerate(raw, start=header_line + 1):
                size = len(row)
                values = {key: convert(row[i]) if i < size else "" for i, key in items}
                if any(values.values()):
                    yield name, line, values
        if not self.sheets:
            raise ValidationError(
                _(
                    "No sheet of this file has a column of mobile numbers: none of its first "
                    "%(n)d rows has a header such as 手机号, 电话 or 号码. Nothing was imported."
                )
                % {"n": HEADER_SCAN_ROWS},
                code="no_phone_column",
            )


def sniff(path: Path, filename: str) -> tuple[str, str]:
    """``(kind, encoding)`` of an uploaded list from its content; refuses what is no list."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise ValidationError(_("The file is empty."), code="empty")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    raise zipfile.BadZipFile
        except zipfile.BadZipFile:
            raise ValidationError(
                _("%(name)s is a zip archive but not an Excel workbook.")
                % {"name": Path(filename).name},
                code="file_type",
            ) from None
        return "xlsx", ""
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls", ""
    encoding = _text_encoding(path)
    if encoding is None:
        raise ValidationError(
            _(
                "%(name)s is neither an Excel workbook (.xlsx, .xls) nor a CSV text file. "
                "Save the list as .xlsx or .csv and upload that."
            )
            % {"name": Path(filename).name},
            code="file_type",
        )
    return "csv", encoding


def _text_encoding(path: Path) -> str | None:
    """utf-8-sig, utf-8 or gb18030, read in chunks; None for binary content (NUL bytes)."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    if b"\x00" in chunk:
                        return None
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    return None


def open_list(path: Path, filename: str) -> ListReader:
    kind, encoding = sniff(path, filename)
    return ListReader(path, kind, encoding)


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T][\d:.]+)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})[-/.月](\d{1,2})日?")


def parse_list_date(text: str, *, default_year: int) -> dt.date | None:
    """Dates as carriers write them: 2020-01-22, 2020/1/22, 2020年1月22日, 20200122, 1月22日
    (the list's year), an Excel serial number; ``ValidationError`` otherwise."""
    value = (text or "").strip()
    if not value:
        return None
    for pattern, parts in (
        (_DATE, lambda m: m.groups()),
        (_COMPACT, lambda m: m.groups()),
        (_MONTH_DAY, lambda m: (default_year, *m.groups())),
    ):
        match = pattern.fullmatch(value)
        if match:
            try:
                return dt.date(*map(int, parts(match)))
            except ValueError:
                break
    else:
        if re.fullmatch(r"\d{5}(?:\.\d+)?", value):  # an Excel serial date read as a number
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(value)))
    raise ValidationError(
        _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": value[:30]},
        code="date",
    )
