from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from soleflip.db.tuning import alter_system_sql, as_conf, tuned_settings

GB = 1024**3


class Command(BaseCommand):
    help = (
        "Print PostgreSQL settings sized to this machine (the review's section 11.1) as a postgresql.conf "
        "snippet; --apply writes them with ALTER SYSTEM (superuser; some need a restart)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--memory-gb", type=float, help="Size for this much RAM instead of this machine's.")
        parser.add_argument("--cores", type=int, help="Size for this many cores instead of this machine's.")
        parser.add_argument("--max-connections", type=int, default=100)
        parser.add_argument("--apply", action="store_true", help="ALTER SYSTEM on the configured database server.")

    def handle(self, *args: Any, **options: Any) -> None:
        memory = int(options["memory_gb"] * GB) if options["memory_gb"] else None
        values = tuned_settings(memory=memory, cores=options["cores"], max_connections=options["max_connections"])
        if not options["apply"]:
            self.stdout.write(as_conf(values), ending="")
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not row or not row[0]:
                raise CommandError("ALTER SYSTEM needs a superuser; give the printed snippet to the DBA instead.")
            for statement in alter_system_sql(values):
                cursor.execute(statement)
            cursor.execute("SELECT pg_reload_conf()")
            cursor.execute("SELECT name FROM pg_settings WHERE pending_restart")
            pending = [r[0] for r in cursor.fetchall()]
        self.stdout.write(self.style.SUCCESS(f"Applied {len(values)} settings."))
        if pending:
            self.stdout.write(self.style.WARNING(f"Restart PostgreSQL for: {', '.join(pending)}."))
