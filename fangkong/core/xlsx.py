"""Excel in, Excel out: reading uploaded ledgers and writing exports and error reports.

Reading accepts .xlsx and .csv (UTF-8 with or without BOM, or GB18030 as saved by Chinese Excel),
refuses anything else with a message that says why, and never trusts the file name alone.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

MAX_ROWS = 200_000


@dataclass
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""
    example: str = ""
    width: int = 16
    # Other headers officials write for this column (e.g. 身份证号码 for 身份证号); matched as
    # well as the header in every interface language and the common synonyms of its key.
    aliases: tuple[str, ...] = ()


# Headers officials use in their own ledgers, by column key: a column whose key is here is
# recognised under any of them, so no module has to repeat them.
COMMON_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日", "生日"),
    "current_address": ("现住址", "住址", "现居住地址", "现居住地", "居住地址"),
    "registered_residence": ("户籍地", "户籍地址", "户口所在地", "户籍所在地"),
    "relation": ("与户主关系", "关系", "与户主的关系"),
    "household_number": ("户号", "户编号"),
    "household": ("户号", "户编号"),
    "grid_code": ("网格代码", "网格编码", "网格编号"),
    "area": ("网格代码", "网格编码", "网格编号"),
    "is_resident": ("常住", "是否常住", "常住人口"),
    "tags": ("标签",),
}


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (line number, row)


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(
    data: bytes, filename: str, columns: list[Column], *, ignore: list[Column] = ()
) -> Table:
    """Parse an uploaded sheet into rows keyed by column key, matching headers by their text.

    Raises ``ValidationError`` with a specific message for the wrong type, an oversized or broken
    file, missing required columns or too many rows.
    """
    if len(data) > settings.FANGKONG_IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)d MB; the limit is %(limit)d MB. Split it into smaller files.")
            % {
                "size": len(data) // (1024 * 1024),
                "limit": settings.FANGKONG_IMPORT_MAX_BYTES // (1024 * 1024),
            },
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        raw_rows = _read_xlsx(data)
    elif suffix == ".csv":
        raw_rows = _read_csv(data)
    else:
        raise ValidationError(
            _("Upload an Excel workbook (.xlsx) or a CSV file; %(name)s is neither.")
            % {"name": Path(filename or "?").name},
            code="file_type",
        )
    try:
        header_row = next(raw_rows)
    except StopIteration:
        raise ValidationError(_("The file has no header row."), code="no_header") from None
    headers = [_clean(h).rstrip("*").strip() for h in header_row]
    index = match_headers(
        headers, columns, merged=getattr(raw_rows, "merged_header", ()), ignore=ignore
    )
    missing = [str(c.header) for c in columns if c.required and c.key not in index.values()]
    if missing:
        raise ValidationError(
            _(
                "The header row lacks the required column(s): %(cols)s. Download the template "
                "and keep its first row."
            )
            % {"cols": "、".join(missing)},
            code="missing_columns",
        )
    table = Table(headers=headers)
    unnamed = {i for i, h in enumerate(headers) if not h}
    for line, raw in enumerate(raw_rows, start=2):
        # Data under a column without a header (an empty or merged header cell) would be lost.
        for i in unnamed:
            if i < len(raw) and _clean(raw[i]):
                raise ValidationError(
                    _(
                        "Column %(col)s has data (from line %(line)d) but no header: its header "
                        "cell is empty or merged with its neighbour. Give every column its own "
                        "header (unmerge the cells) and upload again."
                    )
                    % {"col": get_column_letter(i + 1), "line": line},
                    code="unnamed_column",
                )
        values = {key: _clean(raw[i]) if i < len(raw) else "" for i, key in index.items()}
        if not any(values.values()):
            continue
        table.rows.append((line, values))
        if len(table.rows) > MAX_ROWS:
            raise ValidationError(
                _("The file has more than %(max)d rows; split it into smaller files.")
                % {"max": MAX_ROWS},
                code="too_many_rows",
            )
    if not table.rows:
        raise ValidationError(_("The file has a header row but no data rows."), code="no_rows")
    return table


def header_names(column: Column) -> set[str]:
    """The column's header in every interface language (a template downloaded in English is
    read by a worker running in Chinese, a ledger typed in Traditional by one in Simplified),
    its declared aliases and the common synonyms of its key."""
    names = {str(column.header)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(column.header))
    names.update(str(a) for a in column.aliases)
    names.update(COMMON_ALIASES.get(column.key, ()))
    return names


_SPACE = re.compile(r"[\s\u3000]+")


def _header_key(text: str) -> str:
    return _SPACE.sub("", str(text)).rstrip("*＊").strip("：:").casefold()


def match_headers(
    headers: list[str], columns: list[Column], *, merged=(), ignore: list[Column] = ()
) -> dict[int, str]:
    """Map each header cell's position to its column key, or refuse the file.

    Every non-empty header must name a column (an unknown one would silently drop its data),
    no column may appear twice, and no header cell may be merged across columns. Headers of
    ``ignore`` columns (those an export adds that the import derives, such as sex and birth
    date from the ID number) are allowed and skipped, so an exported sheet can be re-imported.
    """
    skipped = {_header_key(n) for c in ignore for n in header_names(c)}
    by_name: dict[str, Column] = {}
    for column in columns:
        for name in header_names(column):
            by_name.setdefault(_header_key(name), column)
    accepted = "、".join(str(c.header) for c in columns)
    if merged:
        raise ValidationError(
            _(
                "Header cells %(cells)s are merged across columns, so the columns under them "
                "cannot be told apart. Unmerge them and give every column its own header. "
                "Accepted headers: %(accepted)s."
            )
            % {"cells": "、".join(merged), "accepted": accepted},
            code="merged_header",
        )
    index: dict[int, str] = {}
    unknown: list[str] = []
    seen: dict[str, str] = {}
    for i, header in enumerate(headers):
        if not header:
            continue
        column = by_name.get(_header_key(header))
        if column is None and _header_key(header) in skipped:
            continue
        if column is None:
            unknown.append(header)
            continue
        if column.key in seen:
            raise ValidationError(
                _(
                    "The columns %(first)s and %(second)s both mean %(column)s; keep only one "
                    "of them."
                )
                % {"first": seen[column.key], "second": header, "column": column.header},
                code="duplicate_column",
            )
        seen[column.key] = header
        index[i] = column.key
    if unknown:
        raise ValidationError(
            _(
                "The header row has column(s) this import does not know: %(unknown)s. Nothing "
                "was imported, so that no data is lost. Rename them to one of the accepted "
                "headers (%(accepted)s) or delete those columns, and upload again."
            )
            % {"unknown": "、".join(unknown), "accepted": accepted},
            code="unknown_columns",
        )
    return index


def _read_xlsx(data: bytes) -> Iterator[tuple]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ValidationError(
            _(
                "This .xlsx file is damaged or is not really an Excel workbook. Open it in Excel, "
                "save it again as .xlsx and upload that."
            ),
            code="broken_file",
        ) from None
    sheet = workbook.worksheets[0]
    return _Rows(sheet.iter_rows(values_only=True), _merged_header_cells(data, sheet))


class _Rows:
    """Row iterator that also says which header cells are merged."""

    def __init__(self, rows, merged_header: list[str]):
        self._rows = iter(rows)
        self.merged_header = merged_header

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._rows)


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_header_cells(data: bytes, sheet) -> list[str]:
    """Merged ranges that span columns in the header row, read from the sheet's XML (the
    read-only reader does not keep them), scanning the stream rather than loading it."""
    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    found, tail = [], b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as xml:
            while chunk := xml.read(1 << 20):
                text = tail + chunk
                for first_col, first_row, last_col, last_row in _MERGE.findall(text):
                    if int(first_row) <= 1 <= int(last_row) and first_col != last_col:
                        found.append(
                            f"{first_col.decode()}{first_row.decode()}:"
                            f"{last_col.decode()}{last_row.decode()}"
                        )
                tail = text[-200:]
    except (KeyError, zipfile.BadZipFile):
        return []
    return sorted(set(found))


def _read_csv(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise ValidationError(_("The CSV file's text encoding is not recognised."), code="encoding")
    if "\x00" in text:
        raise ValidationError(_("This is not a text CSV file."), code="broken_file")
    return iter(csv.reader(io.StringIO(text)))


def write_workbook_to(
    target,
    title: str,
    columns: list[Column],
    rows: Iterable[Iterable],
    *,
    notes: list[str] | None = None,
) -> int:
    """Stream an .xlsx into ``target`` (a path or a writable binary file object) and return the
    number of data rows. openpyxl's write-only mode keeps each row only until it is written, so
    memory stays flat however many rows there are. Bold header row (required columns marked *),
    frozen, with sane widths; every cell goes through ``excel_cell``."""
    workbook = Workbook(write_only=True)
    try:
        sheet = workbook.create_sheet(str(title)[:31] or "Sheet")
        for i, column in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(
                sheet, value=excel_cell(str(column.header) + ("*" if column.required else ""))
            )
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            header.append(cell)
        sheet.append(header)
        count = 0
        for row in rows:
            sheet.append([excel_cell(v) for v in row])
            count += 1
        if notes:
            info = workbook.create_sheet(_("Notes")[:31])
            info.column_dimensions["A"].width = 100
            for line in notes:
                info.append([excel_cell(line)])
        workbook.save(target)
    except BaseException:
        _discard_write_only(workbook)
        raise
    return count


def _discard_write_only(workbook: Workbook) -> None:
    """Remove the temporary files a failed write-only workbook leaves behind: they hold the
    rows written so far (personal data, perhaps unmasked) and would otherwise stay in the temp
    directory until the long-running worker exits."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):
            sheet.close()
        with contextlib.suppress(Exception):
            writer.cleanup()


def write_workbook(
    title: str, columns: list[Column], rows: Iterable[Iterable], *, notes: list[str] | None = None
) -> bytes:
    """A small workbook (template, error report) as bytes; large ones use ``write_workbook_to``."""
    buffer = io.BytesIO()
    write_workbook_to(buffer, title, columns, rows, notes=notes)
    return buffer.getvalue()


def excel_cell(value):
    """The one cell writer: any stored value becomes something Excel opens safely.

    Characters an .xlsx cannot hold (C0 controls other than tab and newlines, which openpyxl
    refuses with an exception) are removed; text starting with = + - @ gets a leading
    apostrophe so that the reader's Excel never runs it as a formula (CSV injection); aware
    datetimes are shown in local time (Excel has no time zones); anything else is text.
    """
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text


_excel_safe = excel_cell  # the former name


def template_workbook(title: str, columns: list[Column]) -> bytes:
    notes = [f"{c.header}{' *' if c.required else ''}: {c.help}" for c in columns if c.help]
    example = [c.example for c in columns]
    return write_workbook(title, columns, [example], notes=notes)


def error_report(
    columns: list[Column], errors: list[tuple[int, dict[str, str], str]], target=None
) -> bytes | None:
    """The rejected rows as uploaded, each with its line number and the reason; streamed into
    ``target`` if given, else returned as bytes."""
    report_columns = [
        Column("line", _("Line"), width=8),
        *columns,
        Column("reason", _("Reason"), width=60),
    ]
    rows = ([line, *[row.get(c.key, "") for c in columns], reason] for line, row, reason in errors)
    if target is not None:
        write_workbook_to(target, _("Rejected rows"), report_columns, rows)
        return None
    return write_workbook(_("Rejected rows"), report_columns, rows)
