from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accounts.gdpr import retention_apply, retention_plan
from accounts.people import acting


class Command(BaseCommand):
    help = (
        "Apply the retention policy (docs/gdpr.md): anonymize users past their retention date or whose deletion "
        "request is older than the grace period, and drop log partitions past the log retention. "
        "Dry run unless --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--commit", action="store_true")
        parser.add_argument("--as-user", metavar="EMAIL", help="Who is doing this, for the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = retention_plan()
        for user in plan.users:
            self.stdout.write(
                f"anonymize {user.email} (retention until {user.data_retention_until}, "
                f"deletion requested {user.deletion_requested_at})"
            )
        for name in plan.log_partitions:
            self.stdout.write(f"drop {name}")
        if not options["commit"]:
            self.stdout.write(self.style.WARNING(f"Dry run: {plan}; run with --commit."))
            return
        retention_apply(plan, acting_user=acting(options["as_user"]))
        self.stdout.write(self.style.SUCCESS(f"Done: {plan}."))
