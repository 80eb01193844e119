import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from soleflip.db.roles import RoleNames, apply, roles_sql


class Command(BaseCommand):
    help = (
        "Create (or update) the PostgreSQL roles of least privilege: <prefix>_owner (owns the schemas, runs "
        "migrations), <prefix>_app (runtime: read/write, no DDL, subject to row-level security) and "
        "<prefix>_readonly (SELECT on analytics and catalog). Prints the SQL; --commit runs it (needs a role "
        "that may create roles). Passwords come from <PREFIX>_OWNER_PASSWORD, <PREFIX>_APP_PASSWORD and "
        "<PREFIX>_READONLY_PASSWORD if set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prefix", default="soleflip")
        parser.add_argument("--commit", action="store_true")
        parser.add_argument(
            "--keep-ownership", action="store_true", help="Grant only; leave schemas and tables with their owner."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            names = RoleNames.with_prefix(options["prefix"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        env = options["prefix"].upper()
        passwords = {
            role: os.environ[f"{env}_{kind}_PASSWORD"]
            for role, kind in ((names.owner, "OWNER"), (names.app, "APP"), (names.readonly, "READONLY"))
            if os.environ.get(f"{env}_{kind}_PASSWORD")
        }
        statements = roles_sql(names, passwords=passwords, reassign=not options["keep_ownership"])
        for statement in statements:
            shown = statement
            for password in passwords.values():
                shown = shown.replace(password, "********")
            self.stdout.write(shown.rstrip() + ";")
        if not options["commit"]:
            self.stdout.write(self.style.WARNING("Dry run: nothing was changed; run with --commit."))
            return
        with transaction.atomic():
            apply(statements)
        ready = ", ".join((names.owner, names.app, names.readonly, names.analytics))
        self.stdout.write(self.style.SUCCESS(f"Roles {ready} are ready."))
