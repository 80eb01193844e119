from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_partitions(**kwargs: Any) -> None:
    # After migrate and after flush (tests): partitioned tables get this month and the next three.
    from soleflip.partitions import ensure_partitions

    ensure_partitions()


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_ensure_partitions, sender=self, dispatch_uid="soleflip_ensure_partitions")
