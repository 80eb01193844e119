"""The ``soleflip`` package as an installed app: it has no models, only the operations commands."""

from __future__ import annotations

from django.apps import AppConfig


class SoleflipConfig(AppConfig):
    name = "soleflip"
    verbose_name = "SoleFlip operations"
