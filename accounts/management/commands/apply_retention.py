from typing import Any

from accounts.gdpr import retention_apply, retention_plan
from soleflip.management.base import ActingCommand


class Command(ActingCommand):
    destructive = True

    help = (
        "Apply the retention policy (docs/gdpr.md): anonymize users past their retention date or whose deletion "
        "request is older than the grace period, and drop log partitions past the log retention. "
        "Dry run unless --commit."
    )

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
            self.dry_run_notice(str(plan))
            return
        retention_apply(plan, acting_user=self.acting_user(options))
        self.stdout.write(self.style.SUCCESS(f"Done: {plan}."))
