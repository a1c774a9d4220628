"""Excel in, Excel out: reading uploaded ledgers and writing exports and error reports.

Reading accepts .xlsx and .csv (UTF-8 with or without BOM, or GB18030 as saved by Chinese Excel),
refuses anything else with a message that says why, and never trusts the file name alone.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
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


def read_table(data: bytes, filename: str, columns: list[Column]) -> Table:
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
    by_header = {name: c for c in columns for name in header_names(c)}
    missing = [str(c.header) for c in columns if c.required and not header_names(c) & set(headers)]
    if missing:
        raise ValidationError(
            _(
                "The header row lacks the required column(s): %(cols)s. Download the template "
                "and keep its first row."
            )
            % {"cols": "、".join(missing)},
            code="missing_columns",
        )
    index = {i: by_header[h].key for i, h in enumerate(headers) if h in by_header}
    table = Table(headers=headers)
    for line, raw in enumerate(raw_rows, start=2):
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
    """The column's header in every interface language: a template downloaded in English is
    read by a worker running in Chinese, and a ledger typed in Traditional by one in Simplified."""
    names = {str(column.header)}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.add(str(column.header))
    return names


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
    return iter(sheet.iter_rows(values_only=True))


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


def write_workbook(
    title: str, columns: list[Column], rows: Iterable[Iterable], *, notes: list[str] | None = None
) -> bytes:
    """An .xlsx with a bold header row (required columns marked *), frozen panes, sane widths."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([c.header + ("*" if c.required else "") for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for i, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    for row in rows:
        sheet.append([_excel_safe(v) for v in row])
    sheet.freeze_panes = "A2"
    if notes:
        info = workbook.create_sheet(_("Notes")[:31])
        for line in notes:
            info.append([line])
        info.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _excel_safe(value):
    # Values starting with = + - @ would run as formulas in the reader's Excel (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def template_workbook(title: str, columns: list[Column]) -> bytes:
    notes = [f"{c.header}{' *' if c.required else ''}: {c.help}" for c in columns if c.help]
    example = [c.example for c in columns]
    return write_workbook(title, columns, [example], notes=notes)


def error_report(columns: list[Column], errors: list[tuple[int, dict[str, str], str]]) -> bytes:
    """The rejected rows as uploaded, each with its line number and the reason."""
    report_columns = [
        Column("line", _("Line"), width=8),
        *columns,
        Column("reason", _("Reason"), width=60),
    ]
    rows = ([line, *[row.get(c.key, "") for c in columns], reason] for line, row, reason in errors)
    return write_workbook(_("Rejected rows"), report_columns, rows)
