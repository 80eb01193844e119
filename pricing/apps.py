import logging
from typing import Any

from django.apps import AppConfig
from django.core.signals import request_started

logger = logging.getLogger(__name__)


def _sweep_once(sender: Any, **kwargs: Any) -> None:
    # A web process's first request marks failed the import runs a dead process left
    # "running" (one UPDATE over the few running rows); once done, later requests skip it.
    from pricing.imports import import_runs_sweep

    try:
        import_runs_sweep()
    except Exception:  # the database is unreachable: the request will say so; try again next time
        logger.warning("could not sweep abandoned import runs", exc_info=True)
        return
    request_started.disconnect(_sweep_once, dispatch_uid="soleflip_import_runs_sweep")


class PricingConfig(AppConfig):
    name = "pricing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        request_started.connect(_sweep_once, dispatch_uid="soleflip_import_runs_sweep")
