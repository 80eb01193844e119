from typing import Any

from django.apps import AppConfig
from django.core.signals import request_started


def _sweep_once(sender: Any, **kwargs: Any) -> None:
    # A web process's first request marks failed the import runs a dead process left
    # "running" (a migration-free, one-row-per-run UPDATE); later requests skip it.
    request_started.disconnect(_sweep_once, dispatch_uid="soleflip_import_runs_sweep")
    from pricing.imports import import_runs_sweep

    import_runs_sweep()


class PricingConfig(AppConfig):
    name = "pricing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        request_started.connect(_sweep_once, dispatch_uid="soleflip_import_runs_sweep")
