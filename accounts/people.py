"""People for the management commands: a user by e-mail, and the acting user of --as-user."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.models import User


def user_by_email(email: str) -> User:
    """The user with this e-mail address (case-insensitive, as the address is unique)."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No user with the e-mail {email!r}.")
    return user


def acting(email: str | None) -> User | None:
    """The user an ``--as-user EMAIL`` option names, recorded as the author of the command's changes."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"--as-user {email}: no user has this e-mail address.")
    return user
