"""Every user-visible string is translated: the catalogs are current and complete."""

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.utils import translation
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "fangkong"
KEYWORDS = [
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "npgettext:1c,2,3",
    "pgettext_lazy:1c,2",
    "npgettext_lazy:1c,2,3",
    "_",
    "gettext",
    "ngettext:1,2",
]


def source_msgids(tmp_path: Path) -> set[str]:
    """The msgids makemessages would extract, computed in a temp dir (the tree is untouched)."""
    inputs = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".py", ".html", ".txt") or "tests" in path.parts:
            continue
        if path.suffix == ".py":
            inputs.append(path)
        else:
            target = tmp_path / (path.relative_to(PACKAGE).as_posix().replace("/", "__") + ".py")
            target.write_text(
                templatize(path.read_text(encoding="utf-8"), origin=str(path)), encoding="utf-8"
            )
            inputs.append(target)
    out = tmp_path / "messages.pot"
    subprocess.run(
        [
            "xgettext",
            "-d",
            "django",
            "--language=Python",
            "--from-code=UTF-8",
            "--no-location",
            "-o",
            str(out),
            *[f"--keyword={k}" for k in KEYWORDS],
            *map(str, inputs),
        ],
        check=True,
    )
    return {e.msgid for e in polib.pofile(str(out)) if e.msgid}


def test_catalog_is_current_and_complete(tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext is missing: `make system-deps` installs it")
    wanted = source_msgids(tmp_path)
    catalog = polib.pofile(str(PACKAGE / "locale/zh_Hans/LC_MESSAGES/django.po"))
    have = {e.msgid for e in catalog if not e.obsolete}
    stale = sorted(wanted - have)
    assert not stale, f"run `make messages` and translate: {stale[:20]}"
    untranslated = sorted(
        e.msgid for e in catalog if e.msgid in wanted and (not e.translated() or "fuzzy" in e.flags)
    )
    assert not untranslated, f"missing zh-Hans translations: {untranslated[:20]}"


@pytest.mark.parametrize(
    ("lang", "expected"), [("zh-hans", "退出登录"), ("zh-hant", "退出登錄"), ("en", "Log out")]
)
def test_interface_follows_the_chosen_language(lang, expected):
    with translation.override(lang):
        assert translation.gettext("Log out") == expected
