"""Prove the jurisdiction walk by mutation: remove scoping from one place, the walk must fail.

Each mutation below is a source edit that drops the jurisdiction filter from one kind of
place (a list, a detail page, an export, a choice list, an aggregate count, the merge page).
For each, this script copies the project to a temporary directory, applies the edit there (the
worktree is never touched), runs ``core/tests/test_jurisdiction_walk.py`` against the copy and
expects it to FAIL. It first runs the unmutated copy, which must pass.

    .venv/bin/python tools/mutations.py            # all mutations
    .venv/bin/python tools/mutations.py list merge # some of them
    .venv/bin/python tools/mutations.py --list     # names and what each removes

Exit status 0 when the baseline passes and every mutation is caught; 1 otherwise (a mutation
the walk does not catch, or one whose source text is gone: update its snippet after a refactor
so that it still removes the same scoping). See docs/testing.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WALK = "fangkong/core/tests/test_jurisdiction_walk.py"
# The walk runs in parts (one module each, so that test workers share it).
WALK_PARTS = [WALK] + [f"fangkong/core/tests/test_jurisdiction_walk_part{k}.py" for k in (1, 2, 3)]
COPIED = ("fangkong", "manage.py", "pyproject.toml")


@dataclass(frozen=True)
class Mutation:
    name: str
    what: str
    path: str
    old: str
    new: str


MUTATIONS = [
    Mutation(
        "list",
        "the person list (and its API) shows every person, not those in the user's areas",
        "fangkong/people/selectors.py",
        'qs = Person.objects.restrict(actor, "view").select_related("area", "household")',
        'qs = Person.objects.all().select_related("area", "household")',
    ),
    Mutation(
        "detail",
        "record pages of the module kit (the person page) fetch by id without the scope check",
        "fangkong/core/kit/views.py",
        '            "can_delete": self.may("delete", obj),\n        }\n\n'
        "    def get(self, request, *args, **kwargs):\n        obj = self.get_object()\n",
        '            "can_delete": self.may("delete", obj),\n        }\n\n'
        "    def get(self, request, *args, **kwargs):\n"
        '        obj = self.get_queryset().get(pk=self.kwargs["pk"])\n',
    ),
    Mutation(
        "export",
        "exports write every record of the exporter's model",
        "fangkong/core/exports.py",
        "queryset = exporter.queryset(actor=actor, params=params)\n",
        "queryset = exporter.queryset(actor=actor, params=params).model.objects.all()\n",
    ),
    Mutation(
        "choices",
        "filter forms offer every area, household and tag (the person list's filter choices)",
        "fangkong/core/filtersets.py",
        'f.queryset = model.objects.restrict(self.actor, "view")',
        "f.queryset = model.objects.all()",
    ),
    Mutation(
        "search-choices",
        "the search-as-you-type choice endpoint (/choices/<model>/) offers every record",
        "fangkong/core/kit/choices.py",
        'queryset = source.model.objects.restrict(user, "view")',
        "queryset = source.model.objects.all()",
    ),
    Mutation(
        "count",
        "the home page counts areas by level over the whole database",
        "fangkong/core/views/home.py",
        'for row in Area.objects.restrict(user, "view")',
        "for row in Area.objects.all()",
    ),
    Mutation(
        "merge",
        "the merge page fetches both records without the scope check",
        "fangkong/people/views.py",
        'keep = _get_person(request, source.get("keep"), "change")\n'
        '    drop = _get_person(request, source.get("drop"), "delete")',
        'keep = Person.objects.get(pk=source.get("keep"))\n'
        '    drop = Person.objects.get(pk=source.get("drop"))',
    ),
]


def _copy(target: Path) -> None:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )
        else:
            shutil.copy2(source, target / name)


def _run_walk(copy: Path, *, first_failure: bool) -> tuple[bool, str]:
    env = {**os.environ, "PYTHONPATH": str(copy), "FANGKONG_VAR_DIR": str(copy / "var")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-n", "2", *WALK_PARTS]
    if first_failure:
        command.insert(-1, "--maxfail=1")
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode == 0, lines[-1] if lines else done.stderr[-300:]


def _check_imports_the_copy(copy: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    where = subprocess.run(
        [sys.executable, "-c", "import fangkong, sys; sys.stdout.write(fangkong.__file__)"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if not where.startswith(str(copy)):
        raise SystemExit(f"the copy imports fangkong from {where}, not from {copy}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="mutations to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    args = parser.parse_args(argv)
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:8} {m.path}: {m.what}", flush=True)
        return 0
    chosen = [m for m in MUTATIONS if not args.names or m.name in args.names]
    unknown = set(args.names) - {m.name for m in MUTATIONS}
    if unknown:
        parser.error(f"unknown mutation(s): {', '.join(sorted(unknown))}")

    ok = True
    with tempfile.TemporaryDirectory(prefix="fk-mutation-") as tmp:
        if not args.no_baseline:
            base = Path(tmp) / "baseline"
            _copy(base)
            _check_imports_the_copy(base)
            started = time.monotonic()
            passed, summary = _run_walk(base, first_failure=False)
            took = time.monotonic() - started
            print(
                f"baseline  {'passes' if passed else 'FAILS'} ({took:.0f} s): {summary}", flush=True
            )
            ok &= passed
        for m in chosen:
            copy = Path(tmp) / m.name
            _copy(copy)
            source = copy / m.path
            text = source.read_text(encoding="utf-8")
            if text.count(m.old) != 1:
                print(
                    f"{m.name:9} STALE: the snippet to mutate is not (once) in {m.path}", flush=True
                )
                ok = False
                continue
            source.write_text(text.replace(m.old, m.new), encoding="utf-8")
            started = time.monotonic()
            passed, summary = _run_walk(copy, first_failure=True)
            took = time.monotonic() - started
            verdict = "NOT CAUGHT: the walk passed" if passed else "caught"
            print(f"{m.name:9} {verdict} ({took:.0f} s): {m.what}; walk: {summary}", flush=True)
            ok &= not passed
            shutil.rmtree(copy)
    print("all mutations caught" if ok else "FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
