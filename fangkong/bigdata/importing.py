"""The carrier-list import: read, normalise, match and create verification tasks, in chunks.

The whole list is never in memory: rows are read one by one (``reading``), validated, and every
``CHUNK`` valid rows are matched and written in **one transaction per chunk**:

1. blind indexes of the chunk's phone and ID numbers are computed in Python (``bulk.Crypt``);
2. one ``IN`` query per key finds the persons with those indexes (inside the list's area);
   rows still unmatched with a name and a village are looked up by name (one query);
3. each row is classified: **matched** (one person by ID number, or one by phone, or one by
   phone and the same name, or one by name in the named village), **ambiguous** (several
   candidates: a person chooses in the queue) or **unmatched**;
4. tasks are inserted or found by their keys — (person, list source, arrival window) for
   matched rows, (phone, source, window) for unmatched ones — with ``ON CONFLICT DO NOTHING``,
   and read back in one query;
5. the rows are inserted, skipping fingerprints the list already holds; the list's
   ``resume_line`` (rows committed so far) moves in the same transaction.

A worker killed midway leaves whole chunks committed and the upload on disk: the retried job
reads the file again, validates every row (for the report) and writes only past
``resume_line``; unique keys make any overlap harmless. The same file, a corrected report, or
an overlapping list uploaded again adds only what is new.

Rejected rows (bad phone, bad ID number, unreadable date) are spilled to a sealed job file as
they come and turned into a downloadable sealed .xlsx report at the end (line, sheet, the row
as uploaded, the reason).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from fangkong.bigdata import reading
from fangkong.bigdata.bulk import Crypt, insert_ignore
from fangkong.bigdata.models import CarrierList, ListRow, VerificationTask
from fangkong.core.jobfiles import create_sealed, open_sealed
from fangkong.core.validators import (
    normalize_resident_id,
    validate_mobile,
    validate_resident_id,
)
from fangkong.core.xlsx import Column, write_workbook_to

CHUNK = 5000
WINDOW_EPOCH = dt.date(2020, 1, 1)
MAX_CANDIDATES = 5


def window_of(day: dt.date) -> int:
    """The arrival window a date falls in (``FANGKONG_BIGDATA_WINDOW_DAYS`` days each)."""
    return (day - WINDOW_EPOCH).days // settings.FANGKONG_BIGDATA_WINDOW_DAYS


@dataclass
class Prepared:
    sheet: str
    line: int
    phone: str
    name: str
    id_number: str
    arrival_date: dt.date | None
    origin: str
    phone_region: str
    village: str
    phone_bidx: str = ""
    id_bidx: str = ""
    fingerprint: str = ""
    person: tuple | None = None  # (id, area_id)
    match_by: str = ""
    candidates: list[int] = field(default_factory=list)


def prepare(values: dict[str, str], *, sheet: str, line: int, year: int) -> Prepared:
    """One row normalised with core's validators; ``ValidationError`` with every reason."""
    errors = []
    phone = ""
    try:
        phone = validate_mobile(values.get("phone", ""))
    except ValidationError as exc:
        errors.append(_("mobile number: %(reason)s") % {"reason": "；".join(exc.messages)})
    id_number = normalize_resident_id(values.get("id_number", ""))
    if id_number:
        try:
            id_number = validate_resident_id(id_number).number
        except ValidationError as exc:
            errors.append(_("ID number: %(reason)s") % {"reason": "；".join(exc.messages)})
    arrival = None
    try:
        arrival = reading.parse_list_date(values.get("arrival_date", ""), default_year=year)
    except ValidationError as exc:
        errors.append(_("arrival date: %(reason)s") % {"reason": "；".join(exc.messages)})
    if errors:
        raise ValidationError("；".join(errors))
    return Prepared(
        sheet=sheet[:60],
        line=line,
        phone=phone,
        name=_printable(values.get("name", ""))[:60],
        id_number=id_number,
        arrival_date=arrival,
        origin=_printable(values.get("origin", ""))[:60],
        phone_region=_printable(values.get("phone_region", ""))[:60],
        village=_printable(values.get("village", ""))[:60],
    )


def _printable(text: str) -> str:
    if text.isprintable():  # nearly always: no per-character work
        return text.strip()
    return "".join(ch for ch in text if ch.isprintable()).strip()


class Matcher:
    """Matching context of one list: its area, its towns and villages, the crypto."""

    def __init__(self, carrier_list: CarrierList):
        from fangkong.places.models import Area

        self.list = carrier_list
        self.root = carrier_list.area
        self.crypt = Crypt()
        under = Area.objects.filter(path__startswith=self.root.path)
        self.towns = [
            (a.name, a.id) for a in under.filter(level=Area.Level.TOWN).only("name", "id")
        ]
        self.villages: dict[str, list[str]] = {}
        for a in under.filter(level__in=(Area.Level.VILLAGE, Area.Level.COMMUNITY)).only(
            "name", "path"
        ):
            self.villages.setdefault(a.name, []).append(a.path)
        self.source = carrier_list.source
        self.default_day = carrier_list.list_date
        self.due = dt.timedelta(hours=settings.FANGKONG_BIGDATA_DUE_HOURS)

    def town_of(self, region: str) -> int:
        """The town named in a phone's registered area, else the list's own area (the pool)."""
        if region:
            for name, area_id in self.towns:
                if name in region or name.rstrip("镇乡") in region:
                    return area_id
        return self.root.id

    def index(self, rows: list[Prepared]) -> None:
        c = self.crypt
        for r in rows:
            r.phone_bidx = c.index(r.phone, "mobile")
            r.id_bidx = c.index(r.id_number, "resident_id") if r.id_number else ""
            r.fingerprint = c.index(
                f"{r.phone}|{r.id_number}|{r.name}|{r.arrival_date or ''}|{r.origin}",
                "bigdata_row",
            )

    def match(self, rows: list[Prepared]) -> None:
        """Classify every row: one query per key for the whole chunk."""
        from fangkong.people.models import Person

        live = Person.all_objects.filter(
            deleted_at__isnull=True,
            merged_into__isnull=True,
            area__path__startswith=self.root.path,
        )
        by_id = {
            bidx: (pk, area_id, name)
            for pk, bidx, area_id, name in live.filter(
                id_number_bidx__in={r.id_bidx for r in rows if r.id_bidx}
            ).values_list("id", "id_number_bidx", "area_id", "name")
        }
        by_phone: dict[str, list[tuple]] = {}
        for pk, bidx, area_id, name in live.filter(
            phone_bidx__in={r.phone_bidx for r in rows}
        ).values_list("id", "phone_bidx", "area_id", "name"):
            by_phone.setdefault(bidx, []).append((pk, area_id, name))
        pending = []
        for r in rows:
            if r.id_bidx and r.id_bidx in by_id:
                pk, area_id, _name = by_id[r.id_bidx]
                r.person, r.match_by = (pk, area_id), ListRow.MatchBy.ID
                continue
            found = by_phone.get(r.phone_bidx, [])
            if len(found) > 1 and r.name:
                same = [f for f in found if f[2] == r.name]
                if len(same) == 1:
                    found = same
            if len(found) == 1:
                r.person, r.match_by = found[0][:2], ListRow.MatchBy.PHONE
            elif found:
                r.candidates = sorted(f[0] for f in found)[:MAX_CANDIDATES]
            elif r.name and r.village in self.villages:
                pending.append(r)
        if pending:
            by_name: dict[str, list[tuple]] = {}
            for pk, name, area_id, path in live.filter(
                name__in={r.name for r in pending}
            ).values_list("id", "name", "area_id", "area__path"):
                by_name.setdefault(name, []).append((pk, area_id, path))
            for r in pending:
                paths = self.villages[r.village]
                found = [
                    f for f in by_name.get(r.name, []) if any(f[2].startswith(p) for p in paths)
                ]
                if len(found) == 1:
                    r.person, r.match_by = found[0][:2], ListRow.MatchBy.NAME
                elif found:
                    r.candidates = sorted(f[0] for f in found)[:MAX_CANDIDATES]

    def window(self, r: Prepared) -> int:
        return window_of(r.arrival_date or self.default_day)

    def write(self, rows: list[Prepared], *, now: dt.datetime) -> None:
        """Tasks, then rows, of one chunk (the caller holds the transaction)."""
        c = self.crypt
        lst = self.list
        tasks: dict[tuple, dict] = {}
        for r in rows:
            if r.candidates:
                continue
            window = self.window(r)
            if r.person:
                key = ("p", r.person[0], window)
                area_id, person_id = r.person[1], r.person[0]
            else:
                key = ("n", r.phone_bidx, window)
                area_id, person_id = self.town_of(r.phone_region), None
            if key in tasks:
                continue
            tasks[key] = {
                "area_id": area_id,
                "created_at": now,
                "updated_at": now,
                "person_id": person_id,
                "carrier_list_id": lst.pk,
                "source": self.source,
                "window": window,
                "name": r.name,
                "phone": c.encrypt(r.phone),
                "phone_bidx": r.phone_bidx,
                "phone_last4_bidx": c.last4(r.phone, "mobile"),
                "phone_region": r.phone_region,
                "arrival_date": r.arrival_date,
                "origin": r.origin,
                "status": VerificationTask.Status.PENDING,
                "due_at": now + self.due,
            }
        insert_ignore(VerificationTask, list(tasks.values()))
        ids = self._task_ids(tasks)
        out = []
        for r in rows:
            task_id = None
            if not r.candidates:
                window = self.window(r)
                key = ("p", r.person[0], window) if r.person else ("n", r.phone_bidx, window)
                task_id = ids.get(key)
            status = (
                ListRow.Status.AMBIGUOUS
                if r.candidates
                else ListRow.Status.MATCHED
                if r.person
                else ListRow.Status.UNMATCHED
            )
            out.append(
                {
                    "carrier_list_id": lst.pk,
                    "sheet": r.sheet,
                    "line": r.line,
                    "fingerprint": r.fingerprint,
                    "phone": c.encrypt(r.phone),
                    "phone_bidx": r.phone_bidx,
                    "phone_last4_bidx": c.last4(r.phone, "mobile"),
                    "name": r.name,
                    "id_number": c.encrypt(r.id_number),
                    "id_number_bidx": r.id_bidx,
                    "id_last4_bidx": c.last4(r.id_number, "resident_id"),
                    "arrival_date": r.arrival_date,
                    "origin": r.origin,
                    "phone_region": r.phone_region,
                    "village": r.village,
                    "status": status,
                    "match_by": r.match_by,
                    "person_id": r.person[0] if r.person else None,
                    "candidates": r.candidates,
                    "task_id": task_id,
                }
            )
        insert_ignore(ListRow, out)

    def _task_ids(self, tasks: dict[tuple, dict]) -> dict[tuple, int]:
        live = VerificationTask.all_objects.filter(source=self.source, deleted_at__isnull=True)
        windows = {k[2] for k in tasks}
        ids: dict[tuple, int] = {}
        persons = {k[1] for k in tasks if k[0] == "p"}
        if persons:
            for pk, person_id, window in live.filter(
                person_id__in=persons, window__in=windows
            ).values_list("id", "person_id", "window"):
                ids[("p", person_id, window)] = pk
        phones = {k[1] for k in tasks if k[0] == "n"}
        if phones:
            for pk, bidx, window in live.filter(
                person__isnull=True, phone_bidx__in=phones, window__in=windows
            ).values_list("id", "phone_bidx", "window"):
                ids[("n", bidx, window)] = pk
        return ids


class RejectSpill:
    """Rejected rows, sealed on disk as they come (a list of a million bad rows must not sit in
    memory), turned into the .xlsx report at the end."""

    def __init__(self):
        self.count = 0
        self._path = None
        self._writer = None
        self._text = None

    def add(self, sheet: str, line: int, values: dict[str, str], reason: str) -> None:
        if self._writer is None:
            self._path, self._writer = create_sealed(f"spill-{uuid.uuid4().hex}.sealed")
            self._text = io.TextIOWrapper(_Unclosable(self._writer), encoding="utf-8", newline="")
            self._csv = csv.writer(self._text)
        self.count += 1
        self._csv.writerow([line, sheet, *[values.get(c.key, "") for c in reading.COLUMNS], reason])

    def report(self, filename: str) -> tuple[str, str] | None:
        """Write the sealed .xlsx report; ``(path, download name)`` or None without rejects."""
        if self._writer is None:
            return None
        self._text.flush()
        self._writer.close()
        columns = [
            Column("line", _("Line"), width=8),
            Column("sheet", _("Sheet"), width=12),
            *reading.COLUMNS,
            Column("reason", _("Reason"), width=60),
        ]
        report, sealed = create_sealed(f"errors-{uuid.uuid4().hex}.xlsx.sealed")
        try:
            with sealed:
                write_workbook_to(sealed, _("Rejected rows"), columns, self._rows())
        finally:
            Path(self._path).unlink(missing_ok=True)
        name = f"{_('rejected-rows')}-{filename}".rsplit(".", 1)[0] + ".xlsx"
        return str(report), name

    def _rows(self):
        text = io.TextIOWrapper(_ChunkReader(open_sealed(Path(self._path))), encoding="utf-8")
        for row in csv.reader(text):
            yield [int(row[0]), *row[1:]]

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            Path(self._path).unlink(missing_ok=True)


class _Unclosable(io.RawIOBase):
    def __init__(self, writer):
        self._w = writer

    def writable(self):
        return True

    def write(self, data):
        return self._w.write(bytes(data))


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks):
        self._chunks = chunks
        self._buf = b""

    def readable(self):
        return True

    def readinto(self, b):
        while not self._buf:
            try:
                self._buf = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


STATUS_MESSAGE = gettext_noop(
    "%(rows)d rows read: %(matched)d matched, %(ambiguous)d ambiguous, %(unmatched)d unmatched, "
    "%(rejected)d rejected."
)


def import_file(carrier_list: CarrierList, path: Path, filename: str, *, progress=None) -> dict:
    """Import one file into ``carrier_list`` (see the module docstring). Returns the job result;
    raises ``ValidationError`` for a file that cannot be read as a list (nothing written)."""
    reader = reading.open_list(path, filename)
    matcher = Matcher(carrier_list)
    spill = RejectSpill()
    year = carrier_list.list_date.year
    resume = carrier_list.resume_line
    estimate = reader_estimate(reader)
    seen = 0
    chunk: list[Prepared] = []

    def flush(until: int) -> None:
        matcher.index(chunk)
        with transaction.atomic():
            matcher.match(chunk)
            matcher.write(chunk, now=timezone.now())
            CarrierList.objects.filter(pk=carrier_list.pk).update(resume_line=until)
        chunk.clear()
        if progress:
            progress(until, max(estimate, until))

    try:
        for sheet, line, values in reader.rows():
            seen += 1
            try:
                row = prepare(values, sheet=sheet, line=line, year=year)
            except ValidationError as exc:
                spill.add(sheet, line, values, "；".join(exc.messages))
                continue
            if seen <= resume:
                continue  # committed by an earlier run of this import
            chunk.append(row)
            if len(chunk) >= CHUNK:
                flush(seen)
        if chunk:
            flush(seen)
    except BaseException:
        spill.discard()
        raise
    report = spill.report(filename)
    counts = dict(
        ListRow.objects.filter(carrier_list=carrier_list)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    fields = {
        "rows_total": seen,
        "rows_rejected": spill.count,
        "rows_matched": counts.get("matched", 0) + counts.get("resolved", 0),
        "rows_ambiguous": counts.get("ambiguous", 0),
        "rows_unmatched": counts.get("unmatched", 0),
        "status": CarrierList.Status.DONE,
        "resume_line": 0,
        "file_name": filename[:200],
    }
    ignored = sorted(reader.ignored)
    fields["message"] = (
        (_("Columns not used: %(cols)s.") % {"cols": "、".join(ignored)})[:500] if ignored else ""
    )
    CarrierList.objects.filter(pk=carrier_list.pk).update(**fields)
    result = {
        "rows": seen,
        "rejected": spill.count,
        "matched": fields["rows_matched"],
        "ambiguous": fields["rows_ambiguous"],
        "unmatched": fields["rows_unmatched"],
        "ignored_columns": ignored,
        "message": _(STATUS_MESSAGE)
        % {
            "rows": seen,
            "matched": fields["rows_matched"],
            "ambiguous": fields["rows_ambiguous"],
            "unmatched": fields["rows_unmatched"],
            "rejected": spill.count,
        },
    }
    if report:
        result["report"], result["report_name"] = report
    return result


def reader_estimate(reader: reading.ListReader) -> int:
    """Rows to expect, for the progress bar (lines of a CSV; sheet dimensions of a workbook)."""
    try:
        if reader.kind == "csv":
            with open(reader.path, "rb") as handle:
                return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
        if reader.kind == "xlsx":
            # Count the <row> elements of every sheet's XML, streamed: a sheet's stored
            # dimension is missing or wrong in files written by many tools.
            import zipfile

            total = 0
            with zipfile.ZipFile(reader.path) as archive:
                for name in archive.namelist():
                    if not name.startswith("xl/worksheets/") or not name.endswith(".xml"):
                        continue
                    tail = b""
                    with archive.open(name) as xml:
                        while chunk := xml.read(1 << 20):
                            data = tail + chunk
                            total += data.count(b"<row ") + data.count(b"<row>")
                            tail = data[
                                -4:
                            ]  # too short to hold a whole "<row ": never counted twice
            return total
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(reader.path))
        return sum(workbook.get_sheet_by_name(n).height for n in workbook.sheet_names)
    except Exception:  # noqa: BLE001 - only a progress estimate
        return 0
