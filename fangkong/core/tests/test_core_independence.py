"""Core does not import the places app: the dependency runs one way (places → core).

Core reaches the area model through ``settings.FANGKONG_AREA_MODEL`` (``core.scoping.area_model``)
and the area tree's figures through its app config.
"""

import ast
from pathlib import Path

import fangkong.core

CORE = Path(fangkong.core.__file__).parent
# Test scaffolding builds a small district with households, and the demo commands load one:
# those are about places by nature. The demo commands move behind the kit's demo hook (kitdata).
ALLOWED = {
    "testing.py",
    "management/commands/load_demo.py",
    "management/commands/demo_logins.py",
}


def _places_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fangkong.places"):
            found.append(f"{path.relative_to(CORE)}:{node.lineno}")
        elif isinstance(node, ast.Import):
            found += [
                f"{path.relative_to(CORE)}:{node.lineno}"
                for alias in node.names
                if alias.name.startswith("fangkong.places")
            ]
    return found


def test_core_has_no_places_import():
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        if rel.startswith(("tests/", "migrations/")) or rel in ALLOWED:
            continue
        offenders += _places_imports(path)
    assert offenders == []


def test_the_area_model_comes_from_settings(settings):
    from fangkong.core.scoping import area_model
    from fangkong.places.models import Area

    assert area_model() is Area
    settings.FANGKONG_AREA_MODEL = "core.User"  # any model: proves it is read, not imported
    assert area_model()._meta.label == "core.User"
