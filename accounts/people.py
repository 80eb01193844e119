"""People for the management commands: a user by e-mail, and the acting user of --as-user."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.models import User


def _by_email(email: str) -> User | None:
    address = email.strip()
    # A blank address would find a user without one (service accounts may have none).
    return User.objects.filter(email__iexact=address).first() if address else None


def user_by_email(email: str) -> User:
    """The user with this e-mail address (case-insensitive, as the address is unique)."""
    user = _by_email(email)
    if user is None:
        raise CommandError(f"No user with the e-mail {email!r}.")
    return user


def acting(email: str | None) -> User | None:
    """The user an ``--as-user EMAIL`` option names (None without the option): the author of the changes."""
    if email is None:
        return None
    user = _by_email(email)
    if user is None:
        raise CommandError(f"--as-user {email}: no user has this e-mail address.")
    return user
