"""Admin pages that are not a model's list: database health."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from soleflip.db.health import health_report


def db_health(request: HttpRequest) -> HttpResponse:
    """The db_health report for operators in the admin (permission accounts.view_db_health)."""
    if not request.user.has_perm("accounts.view_db_health"):
        raise PermissionDenied
    context = {**admin.site.each_context(request), "title": "Database health", "report": health_report()}
    return TemplateResponse(request, "admin/db_health.html", context)
