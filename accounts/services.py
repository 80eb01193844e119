"""Writes on users and their access."""

from __future__ import annotations

import secrets

from django.db import transaction

from accounts.models import Role, User


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
