"""Writes every app shares."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from soleflip.models import AuthoredModel


@transaction.atomic
def authored_save(*, obj: models.Model, user: Any) -> models.Model:
    """Save a row from a form, recording the acting user on critical tables."""
    if isinstance(obj, AuthoredModel) and user is not None and user.is_authenticated:
        if obj._state.adding:
            obj.created_by = user
        obj.updated_by = user
    obj.save()
    return obj
