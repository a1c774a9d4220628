#!/usr/bin/env python
"""Translation catalogs: English source strings, Simplified Chinese by hand, Traditional derived.

    python tools/i18n.py update   # extract strings, derive zh_Hant from zh_Hans, compile
    python tools/i18n.py check    # exit 1 if a string lacks a Simplified translation
    python tools/i18n.py fill A.json [B.json ...]  # take translations from {msgid: zh_Hans}

zh_Hant is generated from zh_Hans with OpenCC (s2t), so one human translation serves both
scripts; a zh_Hant entry may be corrected by hand by marking it with the comment "manual".
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "fangkong" / "locale"
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "django.po"


def extract() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fangkong.settings"}
    for domain_args in (["-d", "django"], ["-d", "djangojs"]):
        if domain_args[1] == "djangojs":
            continue  # no JavaScript strings yet
        subprocess.run(
            [
                *MANAGE,
                "makemessages",
                "-l",
                "zh_Hans",
                "-l",
                "zh_Hant",
                "--no-obsolete",
                "--add-location=file",
                "--ignore=.venv/*",
                "--ignore=node_modules/*",
                "--ignore=bench/*",
                "--ignore=tools/*",
                *domain_args,
            ],
            cwd=ROOT / "fangkong",
            check=True,
            env=env,
        )


def derive_traditional() -> None:
    import opencc

    convert = opencc.OpenCC("s2t").convert
    simplified = polib.pofile(str(po_path("zh_Hans")))
    traditional_path = po_path("zh_Hant")
    traditional = polib.pofile(str(traditional_path))
    by_id = {(e.msgctxt, e.msgid): e for e in simplified}
    for entry in traditional:
        source = by_id.get((entry.msgctxt, entry.msgid))
        # "# manual" is a translator comment (tcomment): makemessages keeps it, whereas the
        # extracted "#." comments are rewritten from the source on every run.
        if source is None or "manual" in f"{entry.tcomment or ''} {entry.comment or ''}":
            continue
        entry.msgstr = convert(source.msgstr) if source.msgstr else ""
        if source.msgstr_plural:
            entry.msgstr_plural = {k: convert(v) for k, v in source.msgstr_plural.items()}
        # A fuzzy Simplified guess (msgmerge's nearest old string) stays fuzzy here too, so it
        # is left out of the compiled Traditional catalog until someone has checked it.
        if "fuzzy" in source.flags:
            if "fuzzy" not in entry.flags:
                entry.flags.append("fuzzy")
        elif "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    traditional.metadata["Language"] = "zh_Hant"
    traditional.save()


def compile_all() -> None:
    for lang in ("zh_Hans", "zh_Hant"):
        po = polib.pofile(str(po_path(lang)))
        po.save_as_mofile(str(po_path(lang).with_suffix(".mo")))


def missing(lang: str = "zh_Hans") -> list[str]:
    po = polib.pofile(str(po_path(lang)))
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def fill(paths: list[str]) -> int:
    """Fill untranslated (or fuzzy) Simplified entries from JSON files of {msgid: msgstr}
    (a msgid with a context is written "context\x04msgid"); returns how many were filled."""
    import json

    table: dict[str, str] = {}
    for path in paths:
        table.update(json.loads(Path(path).read_text(encoding="utf-8")))
    po = polib.pofile(str(po_path("zh_Hans")))
    filled = 0
    for entry in po:
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        text = table.get(key) or (table.get(entry.msgid) if not entry.msgctxt else None)
        if not text or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: text}
        else:
            entry.msgstr = text
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    po.save()
    return filled


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "update"
    if command == "update":
        extract()
        derive_traditional()
        compile_all()
        gaps = missing()
        print(f"{len(gaps)} string(s) still lack a Simplified Chinese translation")
        return 0
    if command == "derive":
        derive_traditional()
        compile_all()
        return 0
    if command == "fill":
        print(f"{fill(argv[2:])} translation(s) filled")
        derive_traditional()
        compile_all()
        return 0
    if command == "check":
        gaps = missing()
        for msgid in gaps:
            print(f"untranslated: {msgid!r}")
        return 1 if gaps else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
