from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soleflip.db.backup import regrant, restore
from soleflip.db.roles import RoleNames


class Command(BaseCommand):
    help = (
        "Restore a dump made by `backup` into a database (default: the configured one, which must be empty; "
        "use --database NAME for a new one made with createdb). All-or-nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--database", help="Restore into this database on the same server.")
        parser.add_argument(
            "--roles-prefix",
            default="soleflip",
            help="Give the roles made by create_db_roles with this prefix their ownership and grants afterwards.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import connection

        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        target = options["database"] or connection.settings_dict["NAME"]
        try:
            restore(path, database=target)
        except Exception as exc:
            raise CommandError(
                f"pg_restore failed (nothing was restored): {getattr(exc, 'stderr', '') or exc}"
            ) from exc
        try:
            names = RoleNames.with_prefix(options["roles_prefix"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if regrant(target, names):
            self.stdout.write(
                self.style.SUCCESS(f"Restored {path} into {target}; {names.app} and the other roles have their grants.")
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Restored {path} into {target}."))
            self.stdout.write(
                self.style.WARNING(
                    f"No {names.app} role on this server: run `manage.py create_db_roles --commit` against {target} "
                    "before the application connects to it."
                )
            )
