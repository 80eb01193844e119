"""Settings come from the environment and fail loudly on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from soleflip.env import env_bool, env_int, env_str, parse_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_database_url_with_host_and_port():
    db = parse_database_url("postgresql://app:s%40cret@db.internal:6432/soleflip?sslmode=require")
    assert db == {
        "NAME": "soleflip",
        "USER": "app",
        "PASSWORD": "s@cret",
        "HOST": "db.internal",
        "PORT": "6432",
        "OPTIONS": {"sslmode": "require"},
    }


def test_database_url_with_a_socket_directory():
    db = parse_database_url("postgresql://postgres@/soleflip?host=/work/var/pgdata&port=5432")
    assert db["HOST"] == "/work/var/pgdata"
    assert db["NAME"] == "soleflip"
    assert db["OPTIONS"] == {"port": "5432"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///db.sqlite3", "PostgreSQL only"),
        ("mysql://root@localhost/soleflip", "PostgreSQL only"),
        ("postgresql://localhost", "must name one database"),
        ("postgresql://localhost:port/soleflip", "port that is not a number"),
    ],
)
def test_bad_database_urls_are_refused(url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_database_url(url)


def test_env_bool_rejects_anything_but_a_boolean(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG", default=False)
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", default=False) is True


def test_env_int_checks_number_and_minimum(monkeypatch):
    monkeypatch.setenv("N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("N", 1)
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("N", 1, minimum=0)


def test_secrets_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("TOKEN_FILE", str(secret))
    assert env_str("TOKEN") == "from-a-file"
    monkeypatch.setenv("TOKEN", "also-set")
    with pytest.raises(ImproperlyConfigured, match="either TOKEN or TOKEN_FILE"):
        env_str("TOKEN")


def _load_settings(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "soleflip.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start():
    result = _load_settings({"DEBUG": "0", "DATABASE_URL": "postgresql://localhost/soleflip"})
    assert result.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) must be set" in result.stderr


def test_no_database_configured_refuses_to_start(tmp_path):
    result = _load_settings({"DEBUG": "1", "SOLEFLIP_PGDATA": str(tmp_path / "none")})
    assert result.returncode != 0
    assert "DATABASE_URL is not set and the embedded PostgreSQL" in result.stderr


def test_a_database_url_for_another_engine_refuses_to_start():
    result = _load_settings({"DEBUG": "1", "DATABASE_URL": "sqlite:///x.db"})
    assert result.returncode != 0
    assert "PostgreSQL only" in result.stderr
