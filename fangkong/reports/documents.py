"""The issued report as an official document: XLSX (openpyxl), DOCX (python-docx) and PDF
(WeasyPrint, "Noto Sans CJK SC"), in the report's language.

Layout of a county-level daily bulletin: the title (``<district>新冠肺炎疫情防控每日情况报告``),
the document-number line (``疫指办〔2020〕35号``), the issuing office and date, the key figures,
numbered sections 一、二、三… each with its table by town, the figures about another
jurisdiction's patients apart, and page numbers ("第 1 页 共 3 页").
"""

from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.reports.compute import first_day

NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 → 一, 11 → 十一, 20 → 二十 (enough for a report's sections)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def district_name(report) -> str:
    area = report.area
    while area.parent_id is not None:
        area = area.parent
    return area.name


def title(report) -> str:
    name = (
        report.area.name
        if report.area.parent_id is None
        else (f"{district_name(report)}{report.area.name}")
    )
    return _("%(area)s COVID-19 Prevention and Control Daily Situation Report") % {"area": name}


def doc_number(report) -> str:
    n = (report.day - first_day()).days + 1
    number = f"{settings.FANGKONG_REPORT_DOC_PREFIX}〔{report.day.year}〕{n}号"
    if report.revision > 1:
        number += _(" (revision %(n)s)") % {"n": report.revision}
    return number


def date_words(day: dt.date) -> str:
    return _("%(year)s-%(month)s-%(day)s") % {"year": day.year, "month": day.month, "day": day.day}


def layout(report) -> dict:
    """What every format prints, in order (strings in the report's language)."""
    doc = report.figures
    units = doc.get("units", [])
    sections, external = [], []
    number = 0
    for section in doc.get("sections", []):
        number += 1
        own = [f for f in section["figures"] if not f["external"]]
        external += [
            {**f, "section": section["title"]} for f in section["figures"] if f["external"]
        ]
        rows = [
            {
                "label": f["label"],
                "unit": f["unit"],
                "total": f["total"],
                "cells": [f["by_unit"].get(str(u["id"]), 0) for u in units],
            }
            for f in own
        ]
        sections.append(
            {
                "number": numeral(number),
                "title": section["title"],
                "built": section["built"],
                "rows": rows,
                "summary": section.get("summary", ""),
            }
        )
    return {
        "title": title(report),
        "doc_number": doc_number(report),
        "office": settings.FANGKONG_REPORT_OFFICE,
        "date": date_words(report.day),
        "issued": timezone.localtime(report.issued_at).strftime("%Y-%m-%d %H:%M"),
        "as_of": _("As of 24:00 on %(date)s") % {"date": date_words(report.day)},
        "summary": report.summary,
        "streak": report.zero_streak,
        "headline": doc.get("headline", []),
        "units": units,
        "sections": sections,
        "external": external,
        "external_number": numeral(number + 1),
        "area_is_district": report.area.parent_id is None,
    }


def _words() -> dict:
    return {
        "item": _("Item"),
        "total": _("Total"),
        "not_built": _("This module is not yet built; its figures are not in this report."),
        "no_figures": _("No figures."),
        "external": _("Patients of other jurisdictions (not counted as the district's own)"),
        "summary": _("Summary"),
        "key_figures": _("Key figures"),
        "page": _("Page"),
        "issued": _("Issued"),
        "streak_unknown": _("Days in a row without cases: cannot be computed (no cases module)."),
    }


def render_xlsx(report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    with translation.override(settings.FANGKONG_REPORT_LANGUAGE):
        data, words = layout(report), _words()
        # Write-only, as every workbook of the project: rows are streamed to the file (the
        # report is figures × towns, but nothing here should grow a sheet in memory).
        book = Workbook(write_only=True)
        sheet = book.create_sheet(data["date"][:31])
        width = 2 + len(data["units"])
        thin = Side(style="thin")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        append = sheet.append

        def cell(value, **style):
            c = WriteOnlyCell(sheet, value=value)
            for name, attr in style.items():
                setattr(c, name, attr)
            return c

        # Column widths and merged ranges must be set before the first row is written.
        sheet.column_dimensions["A"].width = 36
        for col in range(2, width + 1):
            sheet.column_dimensions[get_column_letter(col)].width = 12
        last = get_column_letter(width)
        sheet.merged_cells.add(f"A1:{last}1")
        sheet.merged_cells.add(f"A4:{last}4")
        sheet.row_dimensions[4].height = 90
        sheet.oddFooter.center.text = f"{words['page']} &P / &N"
        title_font = Font(size=16, bold=True)
        append([cell(data["title"], font=title_font, alignment=Alignment(horizontal="center"))])
        append([data["doc_number"]])
        append([f"{data['office']}  {data['as_of']}"])
        append([cell(data["summary"], alignment=Alignment(wrap_text=True, vertical="top"))])
        header = [words["item"], words["total"], *[u["name"] for u in data["units"]]]
        section_font, bold = Font(bold=True, size=12), Font(bold=True)
        for section in data["sections"]:
            append([])
            append([cell(f"{section['number']}、{section['title']}", font=section_font)])
            if not section["built"]:
                append([words["not_built"]])
                continue
            append([cell(value, font=bold, border=box) for value in header])
            for row in section["rows"]:
                values = [f"{row['label']}", row["total"], *row["cells"]]
                append([cell(value, border=box) for value in values])
        if data["external"]:
            append([])
            title = f"{data['external_number']}、{words['external']}"
            append([cell(title, font=section_font)])
            for f in data["external"]:
                append([f"{f['section']}：{f['label']}", f["total"]])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def render_docx(report) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    with translation.override(settings.FANGKONG_REPORT_LANGUAGE):
        data, words = layout(report), _words()
        document = Document()
        style = document.styles["Normal"]
        style.font.name = "Noto Sans CJK SC"
        style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
        style.font.size = Pt(11)

        def para(text, *, size=None, bold=False, align=None):
            p = document.add_paragraph()
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
            if align is not None:
                p.alignment = align
            return p

        para(data["title"], size=18, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        para(data["doc_number"], align=WD_ALIGN_PARAGRAPH.CENTER)
        para(f"{data['office']}    {data['as_of']}", align=WD_ALIGN_PARAGRAPH.CENTER)
        para(data["summary"])
        header = [words["item"], words["total"], *[u["name"] for u in data["units"]]]
        for section in data["sections"]:
            para(f"{section['number']}、{section['title']}", size=13, bold=True)
            if not section["built"]:
                para(words["not_built"])
                continue
            if not section["rows"]:
                para(words["no_figures"])
                continue
            table = document.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = str(text)
                cell.paragraphs[0].runs[0].bold = True
            for row in section["rows"]:
                cells = table.add_row().cells
                for cell, value in zip(
                    cells, [row["label"], row["total"], *row["cells"]], strict=True
                ):
                    cell.text = str(value)
        if data["external"]:
            para(f"{data['external_number']}、{words['external']}", size=13, bold=True)
            for f in data["external"]:
                para(f"{f['section']}：{f['label']} {f['total']}")
        para(f"{data['office']}  {data['issued']}", align=WD_ALIGN_PARAGRAPH.RIGHT)
        # Page numbers in the footer: "Page N" with a PAGE field.
        footer = document.sections[0].footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run(f"{words['page']} ")
        run = footer.add_run()
        for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = text
            run._r.append(element)
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()


def render_html(report) -> str:
    with translation.override(settings.FANGKONG_REPORT_LANGUAGE):
        return render_to_string(
            "reports/report_document.html", {"d": layout(report), "w": _words()}
        )


CSS_FILE = (
    __import__("pathlib").Path(__file__).parent / "static" / "reports" / "report_document.css"
)


def render_pdf(report) -> bytes:
    from weasyprint import CSS, HTML

    return HTML(string=render_html(report)).write_pdf(stylesheets=[CSS(filename=str(CSS_FILE))])
