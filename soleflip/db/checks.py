"""System checks of the database the application connects to (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from soleflip.db.health import connection_role, role_problem


@register(Tags.security, deploy=True)
def connection_role_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Warn when the application's database role bypasses row-level security (a superuser or BYPASSRLS).

    A deploy check reads the live database on purpose: the role is decided by the
    connection settings of the host the check runs on, not by the code.
    """
    try:
        role = connection_role()
    except DatabaseError as exc:
        return [
            Warning(
                f"could not check the database role: {str(exc).splitlines()[0]}",
                hint="Run the deploy check where the application's database is reachable.",
                id="soleflip.W002",
            )
        ]
    problem = role_problem(role)
    return [Warning(problem, id="soleflip.W001")] if problem else []
