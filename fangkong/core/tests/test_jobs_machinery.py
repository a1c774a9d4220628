"""Exports and imports as users run them: filters, reports, memory, odd text, access log,
job files on disk, headers."""

import io
import os
import re
import stat
import tracemalloc
from datetime import timedelta
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from fangkong.core.exports import EXPORTERS, export_to
from fangkong.core.jobfiles import job_dir
from fangkong.core.jobs import job_handler, job_start
from fangkong.core.models import AccessLog, Job
from fangkong.core.testing import make_id_number, xlsx_bytes
from fangkong.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows(data: bytes):
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def _download(client, job) -> bytes:
    response = client.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --------------------------------------------------------------------- 2. filtered exports


def test_export_after_htmx_filter_carries_the_filters_and_the_job_shows_them(
    login, commander, world, person_in, person_out, settings, run_jobs
):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    Person.objects.create(name="张四", area=world.grid)
    client = login(commander)
    url = reverse("people:person_list")
    # The htmx filter answer replaces the results and, out of band, the export form.
    answer = client.get(url, {"q": "张", "page": "1"}, headers={"HX-Request": "true"})
    html = answer.content.decode()
    form = re.search(r'<details[^>]*id="fk-export"[^>]*hx-swap-oob="true".*?</details>', html, re.S)
    assert form, "the filtered answer must carry the export form"
    action = unescape(re.search(r'<form method="post" action="([^"]*)"', form.group(0)).group(1))
    assert "q=%E5%BC%A0" in action and "page=" not in action
    response = client.post(action, {"export": "1"})
    assert response.status_code == 302
    (job,) = run_jobs()
    assert job.params["filters"] == {"q": "张"}
    assert job.status == "done"
    rows = _rows(_download(client, job))
    assert sorted(r[0] for r in rows[1:]) == ["张三", "张四"]  # not the whole district
    with translation.override("en"):
        page = client.get(
            reverse("core:job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "Filters used for this export" in page
    assert re.search(r"<dd[^>]*>张</dd>", page)


# --------------------------------------------------------------------- 3. rejected-rows report


def test_failed_import_report_is_linked_from_job_page_and_import_page(
    login, grid_worker, world, run_jobs
):
    client = login(grid_worker)
    data = xlsx_bytes(["姓名", "身份证号", "网格代码"], [["坏号", "123", world.grid.code]])
    client.post(reverse("people:person_import"), {"file": SimpleUploadedFile("p.xlsx", data)})
    (job,) = run_jobs()
    assert job.status == "failed"
    download = reverse("core:job_download", args=[job.pk])
    assert download in client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert download in client.get(reverse("core:job_progress", args=[job.pk])).content.decode()
    import_page = client.get(reverse("people:person_import")).content.decode()
    assert reverse("core:job_detail", args=[job.pk]) in import_page and download in import_page
    rows = _rows(_download(client, job))
    assert rows[1][1] == "坏号"


# --------------------------------------------------------------------- 4. streaming


def _peak_export_memory(actor, n_rows: int, world, tmp_path) -> int:
    Person.objects.all().delete()
    Person.objects.bulk_create(
        (Person(name=f"居民{i}", area=world.grid) for i in range(n_rows)), batch_size=2000
    )
    exporter = EXPORTERS["people.persons"]
    tracemalloc.start()
    try:
        export_to(tmp_path / f"out-{n_rows}.xlsx", exporter, actor=actor, params={}, unmasked=False)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_memory_is_flat_in_the_row_count(commander, world, tmp_path):
    small = _peak_export_memory(commander, 1_000, world, tmp_path)
    large = _peak_export_memory(commander, 6_000, world, tmp_path)
    # Holding the workbook cost ~4.6 KB a row (23 MB more for 5,000 rows); streamed, what
    # grows is the key list (8 bytes a row) and the xlsx shared-strings table (the format
    # keeps each distinct text once; these names are all distinct, the worst case).
    assert large - small < 1_500_000, (small, large)
    sheet = load_workbook(tmp_path / "out-6000.xlsx", read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 6_001


# --------------------------------------------------------------------- 5. control characters


def test_control_characters_never_break_an_export(login, commander, world, settings, run_jobs):
    Person.objects.create(name="探\u000f针", area=world.grid, current_address="=1+1\x07")
    client = login(commander)
    inline = client.post(reverse("people:person_list"), {"export": "1"})
    assert inline.status_code == 200
    rows = _rows(b"".join(inline.streaming_content))
    assert rows[1][0] == "探针" and rows[1][8] == "'=1+1"
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    Person.objects.create(name="王五", area=world.grid)
    client.post(reverse("people:person_list"), {"export": "1"})
    (job,) = run_jobs()
    assert job.status == "done", job.message
    assert "探针" in [r[0] for r in _rows(_download(client, job))]


@job_handler("tests.broken")
def _broken(job, progress):
    raise RuntimeError("disk on fire /var/secret/path")


def test_failed_job_tells_its_owner_what_happened(login, grid_worker, run_jobs):
    job_start(actor=grid_worker, kind="tests.broken", title="坏任务")
    (job,) = run_jobs()
    assert job.status == "failed" and job.message
    with translation.override("en"):
        page = (
            login(grid_worker)
            .get(reverse("core:job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en")
            .content.decode()
        )
    assert "internal error; nothing was written" in page
    assert "/var/secret" not in page


# --------------------------------------------------------------------- 6. access log


@pytest.fixture
def failing_save(monkeypatch):
    def fail(self, target):
        raise OSError("no space left on device")

    monkeypatch.setattr("openpyxl.Workbook.save", fail)


def test_failed_unmasked_job_export_logs_nothing(
    login, commander, person_in, person_out, settings, run_jobs, failing_save
):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    data = {"export": "1", "unmasked": "1", "reason": "上报疾控"}
    login(commander).post(reverse("people:person_list"), data)
    (job,) = run_jobs()
    assert job.status == "failed"
    assert AccessLog.objects.count() == 0
    assert not list(job_dir().glob("export-*"))  # the partial file is gone too


def test_failed_unmasked_inline_export_logs_nothing(login, commander, person_in, failing_save):
    data = {"export": "1", "unmasked": "1", "reason": "上报疾控"}
    with pytest.raises(OSError):
        login(commander).post(reverse("people:person_list"), data)
    assert AccessLog.objects.count() == 0


def test_delivered_unmasked_job_export_is_logged_once_per_person(
    login, commander, person_in, person_out, settings, run_jobs
):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    data = {"export": "1", "unmasked": "1", "reason": "上报疾控"}
    login(commander).post(reverse("people:person_list"), data)
    (job,) = run_jobs()
    assert job.status == "done"
    assert set(AccessLog.objects.values_list("subject_id", flat=True)) == {
        person_in.pk,
        person_out.pk,
    }


# --------------------------------------------------------------------- 8. job files


def test_job_files_are_private_sealed_and_expire(
    login, commander, person_in, person_out, settings, run_jobs
):
    settings.FANGKONG_EXPORT_INLINE_ROWS = 1
    client = login(commander)
    client.post(reverse("people:person_list"), {"export": "1", "unmasked": "1", "reason": "核查"})
    (job,) = run_jobs()
    path = job_dir() / os.path.basename(job.output_file)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(job_dir().stat().st_mode) == 0o700
    on_disk = path.read_bytes()
    assert not on_disk.startswith(b"PK")  # not a readable zip/xlsx
    assert person_in.id_number.encode() not in on_disk
    assert _rows(_download(client, job))[1][1] in (person_in.id_number, person_out.id_number)
    # Within the time to live nothing goes; after it, the file goes and the page says so.
    call_command("purge_job_files", verbosity=0)
    assert path.exists()
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    call_command("purge_job_files", verbosity=0)
    assert not path.exists()
    with translation.override("en"):
        page = client.get(
            reverse("core:job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "has expired" in page
    assert client.get(reverse("core:job_download", args=[job.pk])).status_code == 404


def test_import_input_is_private_and_deleted_when_the_import_ends(
    login, grid_worker, world, run_jobs
):
    client = login(grid_worker)
    data = xlsx_bytes(["姓名", "网格代码"], [["王一", world.grid.code]])
    client.post(reverse("people:person_import"), {"file": SimpleUploadedFile("p.xlsx", data)})
    job = Job.objects.get()
    stored = job_dir() / os.path.basename(job.input_file)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    run_jobs()
    assert not stored.exists()


# --------------------------------------------------------------------- 9. headers


def _import(client, data, run_jobs):
    client.post(reverse("people:person_import"), {"file": SimpleUploadedFile("p.xlsx", data)})
    (job,) = run_jobs()
    return job


def test_synonym_headers_are_recognised(login, grid_worker, world, run_jobs):
    number = make_id_number()
    data = xlsx_bytes(
        ["名字", "身份证号码", "手机号码", "网格代码"], [["赵六", number, "", world.grid.code]]
    )
    job = _import(login(grid_worker), data, run_jobs)
    assert job.status == "done", job.message
    assert Person.objects.get(name="赵六").id_number == number


def test_unknown_header_refuses_the_file_and_names_it(login, grid_worker, world, run_jobs):
    data = xlsx_bytes(
        ["姓名", "身份正号", "网格代码"], [["赵六", make_id_number(), world.grid.code]]
    )
    with translation.override("en"):
        job = _import(login(grid_worker), data, run_jobs)
    assert job.status == "failed"
    assert "身份正号" in job.message and "身份证号" in job.message  # unknown and accepted
    assert not Person.objects.exists()


def test_merged_header_cell_refuses_the_file(login, grid_worker, world, run_jobs):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", None, "网格代码"])
    sheet.merge_cells("B1:C1")
    sheet.append(["赵六", make_id_number(), "", world.grid.code])
    buffer = io.BytesIO()
    book.save(buffer)
    with translation.override("en"):
        job = _import(login(grid_worker), buffer.getvalue(), run_jobs)
    assert job.status == "failed" and "B1:C1" in job.message
    assert not Person.objects.exists()


def test_data_under_an_empty_header_refuses_the_file(login, grid_worker, world, run_jobs):
    data = xlsx_bytes(["姓名", "", "网格代码"], [["赵六", make_id_number(), world.grid.code]])
    job = _import(login(grid_worker), data, run_jobs)
    assert job.status == "failed" and not Person.objects.exists()


# --------------------------------------------------------------------- 7. dead workers, retry


def test_stale_running_job_is_marked_failed_when_listed_and_can_be_retried(
    login, grid_worker, world, settings, run_jobs
):
    from fangkong.core.jobfiles import write_private

    data = xlsx_bytes(["姓名", "网格代码"], [["王一", world.grid.code]])
    stored = write_private("in-stale.xlsx", data)
    job = Job.objects.create(
        kind="core.import",
        title="导入",
        owner=grid_worker,
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.FANGKONG_JOB_LEASE_SECONDS + 5),
        params={"importer": "people.persons", "filename": "p.xlsx", "needs_input": True},
        input_file=str(stored),
    )
    client = login(grid_worker)
    with translation.override("en"):
        client.get(reverse("core:job_list"))
        page = client.get(
            reverse("core:job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    job.refresh_from_db()
    assert job.status == "failed" and "worker running this job stopped" in page
    assert reverse("core:job_retry", args=[job.pk]) in page
    response = client.post(reverse("core:job_retry", args=[job.pk]))
    new = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("core:job_detail", args=[new.pk])
    (ran,) = run_jobs()
    assert ran.pk == new.pk and ran.status == "done", ran.message
    assert Person.objects.filter(name="王一").exists()
    assert not stored.exists()


def test_fresh_running_job_is_left_alone(login, grid_worker):
    job = Job.objects.create(
        kind="core.import",
        title="导入",
        owner=grid_worker,
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now(),
    )
    login(grid_worker).get(reverse("core:job_list"))
    job.refresh_from_db()
    assert job.status == "running"


def test_an_exported_sheet_can_be_imported_again(login, commander, world, person_in, run_jobs):
    client = login(commander)
    exported = b"".join(
        client.post(reverse("people:person_list"), {"export": "1"}).streaming_content
    )
    book = load_workbook(io.BytesIO(exported))
    sheet = book.active
    sheet.cell(row=2, column=1, value="张三丰")
    sheet.cell(row=2, column=2, value=make_id_number())  # the masked number replaced
    sheet.cell(row=2, column=3, value="")
    buffer = io.BytesIO()
    book.save(buffer)
    job = _import(client, buffer.getvalue(), run_jobs)
    assert job.status == "done", job.message
