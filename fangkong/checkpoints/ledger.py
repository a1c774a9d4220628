"""The passenger ledger (台账) of one checkpoint and day as the paper form: title, checkpoint,
date and shift on top; one numbered row per passage; a signature line at the foot. Written with
openpyxl's write-only mode from the database in chunks, so a busy day stays flat in memory.
Numbers are masked (the ledger leaves the checkpoint; the full numbers stay in the system)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from fangkong.checkpoints import selectors
from fangkong.core.exports import iterate_in_chunks
from fangkong.core.xlsx import _discard_write_only, excel_cell

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def columns() -> list[tuple[str, int]]:
    """(header, width) of the paper ledger's columns."""
    return [
        (_("No."), 6),
        (_("Time"), 8),
        (pgettext("person", "Name"), 10),
        (_("ID number"), 21),
        (_("Phone"), 14),
        (_("Plate"), 11),
        (_("From"), 12),
        (_("To"), 12),
        (_("Temperature"), 8),
        (_("Direction"), 7),
        (_("Note"), 22),
    ]


def _cell(sheet, value, *, bold=False, size=None, box=False, center=False):
    cell = WriteOnlyCell(sheet, value=excel_cell(value))
    if bold or size:
        cell.font = Font(bold=bold, size=size or 11)
    if box:
        cell.border = _BOX
    if center:
        cell.alignment = Alignment(horizontal="center")
    return cell


def write_ledger(target, *, actor, checkpoint, day: dt.date) -> int:
    """Write the ledger into ``target`` (a binary file); return the number of passages."""
    workbook = Workbook(write_only=True)
    try:
        sheet = workbook.create_sheet(str(day))
        cols = columns()
        for i, (_header, width) in enumerate(cols, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.append(
            [
                _cell(
                    sheet,
                    _("Passenger ledger of %(name)s") % {"name": checkpoint.name},
                    bold=True,
                    size=14,
                )
            ]
        )
        shifts = list(selectors.shifts_of_day(actor=actor, checkpoint=checkpoint, day=day))
        staff = "、".join(
            f"{timezone.localtime(s.start):%H:%M}–{timezone.localtime(s.end):%H:%M} {s.user}"
            for s in shifts
        )
        sheet.append(
            [
                _cell(sheet, _("Checkpoint: %(name)s") % {"name": checkpoint.name}),
                None,
                None,
                _cell(sheet, _("Location: %(where)s") % {"where": checkpoint.location or "—"}),
                None,
                None,
                _cell(sheet, _("Date: %(day)s") % {"day": day.isoformat()}),
            ]
        )
        sheet.append([_cell(sheet, _("Shift: %(staff)s") % {"staff": staff or "—"})])
        sheet.append([_cell(sheet, h, bold=True, box=True, center=True) for h, _w in cols])
        count = 0
        passages = selectors.ledger(actor=actor, checkpoint=checkpoint, day=day)
        for passage in iterate_in_chunks(passages):
            count += 1
            note = passage.note
            flags = []
            if passage.fever:
                flags.append(_("fever"))
            if passage.risk_origin:
                flags.append(_("risk area"))
            if passage.kind == passage.Kind.VEHICLE and passage.passengers:
                flags.append(_("%(n)d passengers") % {"n": passage.passengers})
            if flags:
                note = "；".join([*flags, note] if note else flags)
            values = [
                count,
                f"{timezone.localtime(passage.at):%H:%M}",
                passage.name,
                passage.masked("id_number"),
                passage.masked("phone"),
                passage.plate,
                passage.origin,
                passage.destination,
                passage.temperature,
                passage.get_direction_display(),
                note,
            ]
            sheet.append([_cell(sheet, v, box=True) for v in values])
        sheet.append([])
        sheet.append(
            [
                _cell(sheet, _("Total: %(n)d") % {"n": count}),
                None,
                None,
                _cell(sheet, _("Registered by (signature):")),
                None,
                None,
                _cell(sheet, _("Shift leader (signature):")),
                None,
                None,
                _cell(sheet, _("Date:")),
            ]
        )
        workbook.save(target)
    except BaseException:
        _discard_write_only(workbook)
        raise
    return count


def response(*, actor, checkpoint, day: dt.date) -> FileResponse:
    """The ledger as a download; the workbook is spooled to a temporary file, never held whole
    in memory, and streamed from it."""
    spool = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 (closed by the response)
    write_ledger(spool, actor=actor, checkpoint=checkpoint, day=day)
    spool.seek(0)
    filename = f"ledger-{checkpoint.pk}-{day.isoformat()}.xlsx"
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
