"""The ``soleflip`` package as an installed app: it has no models, only the operations commands."""

from __future__ import annotations

from django.apps import AppConfig


class SoleflipConfig(AppConfig):
    name = "soleflip"
    verbose_name = "SoleFlip operations"

    def ready(self) -> None:
        from soleflip.db import checks  # noqa: F401 -- registers the database checks
