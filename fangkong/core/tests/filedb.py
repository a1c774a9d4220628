"""A private file-based SQLite database for tests that need real processes and real locking.

The suite's own SQLite test database lives in memory (shared cache, table locks), which neither
another process nor SQLite's WAL locking can be tried against. These tests migrate a fresh
database in a temporary ``FANGKONG_VAR_DIR`` and run scripts and ``manage.py`` commands on it in
subprocesses, exactly as the deployed worker and web server would.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPTS = Path(__file__).parent / "scripts"


def file_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGKONG_KEYS")}
    env.update(
        FANGKONG_VAR_DIR=str(var_dir),
        FANGKONG_KEY_FILE=str(var_dir / "keys.json"),
        DJANGO_SETTINGS_MODULE="fangkong.settings",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    return env


_migrated: Path | None = None  # a migrated directory of this test process, copied for each use


def migrate(var_dir: Path) -> None:
    """A freshly migrated database (and its key file) in ``var_dir``. The migrations run once
    per test process, in a subprocess as a deployment runs them; later calls copy the result."""
    global _migrated
    if _migrated is None:
        template = Path(tempfile.mkdtemp(prefix="fangkong-migrated-"))
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            env=file_env(template),
            check=True,
            timeout=300,
        )
        _migrated = template
        atexit.register(shutil.rmtree, template, ignore_errors=True)
    shutil.copytree(_migrated, var_dir, dirs_exist_ok=True)


def run_script(var_dir: Path, name: str, *args: str, timeout: int = 300) -> dict:
    """Run ``scripts/<name>.py`` against the file database; it prints one JSON line last."""
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / f"{name}.py"), *args],
        cwd=ROOT,
        env=file_env(var_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def popen_manage(var_dir: Path, *args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**file_env(var_dir), **(env or {})},
        **kwargs,
    )
