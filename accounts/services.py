"""Writes on users and their access."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Role, User


@transaction.atomic
def user_ensure_admin(*, email: str = "admin@soleflip.local", username: str = "admin") -> tuple[User, str | None]:
    """Create a superuser with a random password unless an active superuser exists.

    Returns the admin and the new password (None when an admin already existed).
    """
    existing = User.objects.filter(is_superuser=True, is_active=True).order_by("date_joined").first()
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    user = User.objects.create_superuser(username=username, email=email, password=password, role=Role.ADMIN)
    return user, password


# --- API keys ---------------------------------------------------------------------------

API_SCOPES = ("catalog:read", "prices:read", "prices:write", "orders:read", "orders:write")
KEY_PREFIX = "sf"


def _hash_secret(secret: str) -> str:
    # The secret is 32 random bytes: a fast hash is as safe as a slow one and keeps lookups cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, user: User, name: str, scopes: Sequence[str] = (), expires_at: dt.datetime | None = None
) -> tuple[ApiKey, str]:
    """Make an API key; return it and the full key, which is shown once and never stored."""
    unknown = set(scopes) - set(API_SCOPES)
    if unknown:
        raise ValueError(f"unknown scope(s) {sorted(unknown)}; known: {', '.join(API_SCOPES)}")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(user=user, name=name, prefix=prefix, key_hash=_hash_secret(secret), scopes=list(scopes))
    key.expires_at = expires_at
    key.full_clean()
    key.save()
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def api_key_authenticate(presented: str) -> ApiKey | None:
    """The live key a presented key string belongs to, or None (unknown, wrong, revoked, expired)."""
    try:
        kind, prefix, secret = presented.split("_", 2)
    except ValueError:
        return None
    if kind != KEY_PREFIX:
        return None
    key = ApiKey.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _hash_secret(secret)):
        return None
    now = timezone.now()
    if (key.expires_at is not None and key.expires_at <= now) or not key.user.is_active:
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
    return key
