from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Once per migrate (and per flush in tests), after the last app: by then every app's
    # permissions exist, so roles can be given them; partitioned tables get their months.
    if sender is not [config for config in apps.get_app_configs() if config.models_module][-1]:
        return
    from accounts.roles import roles_sync
    from soleflip.db.partitions import ensure_partitions

    ensure_partitions()
    roles_sync()


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, dispatch_uid="soleflip_after_migrate")
