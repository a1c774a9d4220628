"""Configuration fails loudly on bad values; the production profile passes `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from fangkong.core.crypto import Keyring
from fangkong.envconf import env_bool, env_choice, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "enabled"])
def test_env_bool_refuses_anything_but_a_boolean(monkeypatch, raw):
    monkeypatch.setenv("FK_TEST_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="FK_TEST_FLAG"):
        env_bool("FK_TEST_FLAG", False)


@pytest.mark.parametrize(
    ("raw", "value"), [("1", True), ("yes", True), ("Off", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, value):
    monkeypatch.setenv("FK_TEST_FLAG", raw)
    assert env_bool("FK_TEST_FLAG", not value) is value


def test_env_int_refuses_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("FK_TEST_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("FK_TEST_N", 1)
    monkeypatch.setenv("FK_TEST_N", "90")
    with pytest.raises(ImproperlyConfigured, match="minimum of 180"):
        env_int("FK_TEST_N", 365, minimum=180)
    monkeypatch.delenv("FK_TEST_N")
    assert env_int("FK_TEST_N", 365, minimum=180) == 365


def test_env_choice_and_list(monkeypatch):
    monkeypatch.setenv("FK_TEST_ENV", "prod")
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("FK_TEST_ENV", "development", {"development", "production"})
    monkeypatch.setenv("FK_TEST_LIST", " a.example , ,b.example ")
    assert env_list("FK_TEST_LIST", []) == ["a.example", "b.example"]


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    monkeypatch.delenv("FK_TEST_SECRET", raising=False)
    monkeypatch.setenv("FK_TEST_SECRET_FILE", str(secret))
    assert env_str("FK_TEST_SECRET") == "s3cret"
    monkeypatch.setenv("FK_TEST_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("FK_TEST_SECRET")


def _production_env(tmp_path, **changes) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "FANGKONG_",
                "DJANGO_",
                "SECRET_KEY",
                "ALLOWED_HOSTS",
                "DEBUG",
                "SECURE_",
                "DATABASE_URL",
            )
        )
    }
    env.update(
        {
            "FANGKONG_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "fangkong.example.gov.cn",
            "FANGKONG_DEMO_WAIVE_2FA": "0",
            "FANGKONG_KEYS": Keyring.generate().to_json(),
            "FANGKONG_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "fangkong.settings",
        }
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_profile_passes_check_deploy(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"FANGKONG_DEMO_WAIVE_2FA": "1"}, "FANGKONG_DEMO_WAIVE_2FA"),
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"DEBUG": "1"}, "DEBUG"),
        ({"FANGKONG_LOG_RETENTION_DAYS": "90"}, "FANGKONG_LOG_RETENTION_DAYS"),
    ],
    ids=["demo-2fa-waiver", "no-secret-key", "debug", "short-retention"],
)
def test_production_refuses_to_start(tmp_path, changes, says):
    result = _manage(_production_env(tmp_path, **changes), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and says in result.stderr


def test_a_sqlite_database_url_keeps_wal_and_the_busy_timeout(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/fk.sqlite3",
        "FANGKONG_VAR_DIR": str(tmp_path),
    }
    done = _manage(
        env,
        "shell",
        "-v0",
        "-c",
        "from django.db import connection as c; k=c.cursor();"
        "k.execute('PRAGMA journal_mode'); print(k.fetchone()[0]);"
        "print(c.settings_dict['OPTIONS']['transaction_mode'])",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["wal", "IMMEDIATE"]
