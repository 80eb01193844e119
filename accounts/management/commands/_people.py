"""Shared by the people commands: find a user by e-mail, and the acting user of --as-user."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.models import User


def user_by_email(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user with the e-mail {email!r}.")
    return user


def acting(email: str | None) -> User | None:
    return user_by_email(email) if email else None
