"""Logins, lockouts, API keys and production settings."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_authenticate, api_key_create, api_key_revoke
from tests.database import database_url
from tests.factories import make_user

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_passwords_are_hashed_with_argon2_outside_tests(settings):
    assert settings.PASSWORD_HASHERS[1] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = settings.PASSWORD_HASHERS[1:]
    user = make_user(password="a fine long password")
    assert user.password.startswith("argon2")


def test_repeated_failures_lock_out_that_username_from_that_ip(client, settings):
    make_user(username="maya", password="the right password here", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "maya", "password": "wrong"}, REMOTE_ADDR="10.0.0.5")
    locked = client.post(
        "/admin/login/", {"username": "maya", "password": "the right password here"}, REMOTE_ADDR="10.0.0.5"
    )
    assert locked.status_code == 429
    # Another address is not locked out.
    other = client.post(
        "/admin/login/", {"username": "maya", "password": "the right password here"}, REMOTE_ADDR="10.0.0.6"
    )
    assert other.status_code == 302


def test_authenticate_needs_the_request_for_lockout_checks():
    make_user(username="olga", password="the right password here")
    request = RequestFactory().post("/admin/login/")
    assert authenticate(request, username="olga", password="the right password here") is not None


def test_api_key_is_shown_once_and_stored_hashed():
    user = make_user()
    key, full = api_key_create(user=user, name="sync", scopes=["prices:read"])
    assert full.startswith(f"sf_{key.prefix}_")
    assert full.split("_", 2)[2] not in key.key_hash and len(key.key_hash) == 64
    assert api_key_authenticate(full) == key
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    assert api_key_authenticate(full[:-1] + ("A" if full[-1] != "A" else "B")) is None
    assert api_key_authenticate("nonsense") is None


def test_revoked_and_expired_keys_stop_working():
    user = make_user()
    key, full = api_key_create(user=user, name="old", expires_at=timezone.now() + dt.timedelta(days=1))
    api_key_revoke(key=key)
    assert api_key_authenticate(full) is None
    _, full2 = api_key_create(user=user, name="short", expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_key_authenticate(full2) is None


def test_api_keys_take_only_known_scopes():
    with pytest.raises(ValueError, match="unknown scope"):
        api_key_create(user=make_user(), name="x", scopes=["everything"])


def test_admin_shows_a_new_key_once(client):
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/apikey/add/", {"name": "feed bot", "user": admin.pk, "scopes": ["prices:read"]}, follow=True
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("not shown again: sf_" in m for m in messages)
    key = ApiKey.objects.get(name="feed bot")
    full = next(m for m in messages if "sf_" in m).split(": ")[-1]
    assert api_key_authenticate(full) == key
    assert full not in client.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()


@pytest.mark.django_db
def test_check_deploy_is_clean_with_production_settings_but_for_a_superuser_connection():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "soleflip.settings",  # production's, not the test suite's
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "soleflip.example.com",
            "DATABASE_URL": database_url(),  # the tests' own connection: a superuser
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The one warning: this connection bypasses row-level security.
    assert set(re.findall(r"\(([\w.]+\.[EW]\d+)\)", result.stdout + result.stderr)) == {"soleflip.W001"}
    assert "connects as" in result.stderr and "row-level security does not apply" in result.stderr


def test_production_without_encryption_keys_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "FIELD_ENCRYPTION_KEYS"}}
    env.update({"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64), "DATABASE_URL": "postgresql://localhost/x"})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "soleflip.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in result.stderr


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client, admin_client):
    from soleflip.middleware import CONTENT_SECURITY_POLICY

    for response in (client.get("/admin/login/"), admin_client.get("/admin/"), client.get("/nowhere/")):
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "object-src 'none'" in CONTENT_SECURITY_POLICY
