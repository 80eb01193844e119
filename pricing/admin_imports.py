"""Imports from the admin: upload, preview (a dry run of the same service the commands use), confirm.

Small files run at confirm time; files over IMPORT_SYNC_MAX_BYTES are confirmed into the
background worker. The upload is kept only between preview and run (docs/gdpr.md: import
files are not retained): it is deleted when its run ends (run, cancelled, or a preview that
failed and cannot be confirmed), and one never confirmed is deleted once it is older than
IMPORT_UPLOAD_HOURS (``purge_stale_uploads``: at the next upload, hourly by the worker, and
on every erasure).
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from unfold.widgets import UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from pricing.models import ImportRun

SESSION_KEY = "soleflip_pending_imports"


@dataclass(frozen=True)
class ImportKindSpec:
    key: str
    title: str
    permission: str
    run: Callable[..., ImportRun]


def _awin(**kwargs: Any) -> ImportRun:
    from pricing.awin.importer import awin_feed_import

    return awin_feed_import(merchant=kwargs.pop("merchant", None) or None, acting_user=kwargs.pop("user"), **kwargs)


def _sales(**kwargs: Any) -> ImportRun:
    from transactions.sales_import.importer import sales_report_import

    return sales_report_import(platform_code=kwargs.pop("platform"), acting_user=kwargs.pop("user"), **kwargs)


def _sales_platform_choices() -> list[tuple[str, str]]:
    """The platform field's choices, read when a form is shown or checked (not when this module loads)."""
    from transactions.sales_import.importer import report_platform_choices

    return [("", "–"), *report_platform_choices()]


KINDS = {
    "awin": ImportKindSpec("awin", "Awin product feed", "pricing.import_pricesource", _awin),
    "sales": ImportKindSpec("sales", "Platform sales report", "transactions.import_order", _sales),
}


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def upload_lifetime() -> dt.timedelta:
    """How long an upload may wait for its confirmation."""
    return dt.timedelta(hours=settings.IMPORT_UPLOAD_HOURS)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k.key, k.title) for k in KINDS.values()], widget=UnfoldAdminSelectWidget)
    file = forms.FileField(help_text="CSV (comma, semicolon, pipe or tab; UTF-8 or Windows-1252), .csv.gz or .zip.")
    merchant = forms.CharField(
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text="Awin advertiser id, for feeds without a merchant_id column.",
    )
    platform = forms.ChoiceField(
        required=False,
        choices=_sales_platform_choices,
        widget=UnfoldAdminSelectWidget,
        help_text="For sales reports.",
    )
    options = forms.MultipleChoiceField(
        required=False,
        choices=[("skip_bad_rows", "Skip bad rows (import the good ones and report the rest)")],
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"{upload.name} is {upload.size:,} bytes; uploads stop at {settings.IMPORT_MAX_UPLOAD_BYTES:,}. "
                "Import larger files with the command (manage.py import_awin_feed / import_sales_report)."
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "sales" and not data.get("platform"):
            self.add_error("platform", "Which platform's sales report is this?")
        return data


def import_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    """Step 1: upload and options; step 2: the dry run's result, then confirm or cancel."""
    if not any(request.user.has_perm(kind.permission) for kind in KINDS.values()):
        raise PermissionDenied("You may not import files.")
    pending = request.session.get(SESSION_KEY, {})
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(model_admin, request, pending, request.POST["confirm"])
    if request.method == "POST" and "cancel" in request.POST:
        _discard(pending.pop(request.POST["cancel"], None))
        request.session[SESSION_KEY] = pending
        return redirect(reverse("admin:pricing_importrun_import"))
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {**model_admin.admin_site.each_context(request), "title": "Import a file", "form": form}
    if request.method == "POST" and form.is_valid():
        spec = KINDS[form.cleaned_data["kind"]]
        if not request.user.has_perm(spec.permission):
            raise PermissionDenied(f"You may not import a {spec.title.lower()}.")
        purge_stale_uploads()
        token = uuid.uuid4().hex
        path = upload_dir() / token / Path(form.cleaned_data["file"].name).name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            for chunk in form.cleaned_data["file"].chunks():
                out.write(chunk)
        options = {
            "merchant": form.cleaned_data["merchant"],
            "platform": form.cleaned_data["platform"],
            "skip_bad_rows": "skip_bad_rows" in form.cleaned_data["options"],
        }
        job = {"kind": spec.key, "path": str(path), "name": path.name, "options": options}
        background = _is_big(path)
        try:
            preview = _run(spec, job, user=request.user, dry_run=True)
        except BaseException:
            _discard(job)
            raise
        if preview.status == "failed":
            _discard(job)  # it cannot be confirmed: its run is over
        else:
            pending[token] = job
            request.session[SESSION_KEY] = pending
        context.update({"preview": preview, "token": token, "spec": spec, "background": background})
    return TemplateResponse(request, "admin/pricing/import.html", context)


def _run(spec: ImportKindSpec, job: dict[str, Any], *, user: Any, dry_run: bool) -> ImportRun:
    options = {k: v for k, v in job["options"].items() if k in ("merchant", "platform", "skip_bad_rows")}
    if spec.key == "awin":
        options.pop("platform", None)
    else:
        options.pop("merchant", None)
    return spec.run(path=job["path"], display_name=job["name"], dry_run=dry_run, user=user, **options)


def _is_big(path: Path) -> bool:
    return path.stat().st_size > settings.IMPORT_SYNC_MAX_BYTES


def _confirm(model_admin: admin.ModelAdmin, request: HttpRequest, pending: dict[str, Any], token: str) -> HttpResponse:
    job = pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    if job is None or not Path(job["path"]).exists():
        model_admin.message_user(request, "That upload has expired; upload the file again.", messages.ERROR)
        return redirect(reverse("admin:pricing_importrun_import"))
    spec = KINDS[job["kind"]]
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    if _is_big(Path(job["path"])):
        from pricing.tasks import run_import

        run_import.defer(job=job, user_id=str(request.user.pk))
        model_admin.message_user(
            request, f"{job['name']} is large: the worker imports it now; its run appears below.", messages.INFO
        )
        return redirect(reverse("admin:pricing_importrun_changelist"))
    try:
        run = _run(spec, job, user=request.user, dry_run=False)
    finally:
        _discard(job)
    level = messages.SUCCESS if run.status in ("succeeded", "partial") else messages.ERROR
    model_admin.message_user(request, f"{run.file_name}: {run.get_status_display()}. {run.message}", level)
    return redirect(reverse("admin:pricing_importrun_change", args=[run.pk]))


def run_pending_job(job: dict[str, Any], user_id: str | None) -> ImportRun:
    """What the worker runs for a confirmed large upload (pricing.tasks.run_import)."""
    from accounts.models import User

    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        return _run(KINDS[job["kind"]], job, user=user, dry_run=False)
    finally:
        _discard(job)


def stale_uploads(*, older_than: dt.timedelta | None = None) -> list[Path]:
    """Every upload (a token's folder, or a stray file) older than ``older_than`` (default: the upload lifetime)."""
    root = upload_dir()
    if not root.is_dir():
        return []
    cutoff = time.time() - (older_than or upload_lifetime()).total_seconds()
    return sorted(entry for entry in root.iterdir() if entry.stat().st_mtime < cutoff)


def purge_stale_uploads(*, older_than: dt.timedelta | None = None) -> int:
    """Delete uploads previewed but never confirmed or cancelled (files are not retained)."""
    stale = stale_uploads(older_than=older_than)
    delete_uploads(stale)
    return len(stale)


def pending_uploads(session: Mapping[str, Any]) -> list[Path]:
    """The uploads a session holds between their preview and their confirmation."""
    return [Path(job["path"]) for job in (session.get(SESSION_KEY) or {}).values() if job.get("path")]


def delete_uploads(paths: Iterable[Path]) -> None:
    """Delete uploads (files or token folders) under the upload folder, and token folders left empty."""
    root = upload_dir().resolve()
    for path in paths:
        if not path.resolve().is_relative_to(root) or path.resolve() == root:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            continue
        path.unlink(missing_ok=True)
        folder = path.parent
        if folder.resolve() != root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _discard(job: dict[str, Any] | None) -> None:
    if job:
        delete_uploads([Path(job["path"])])
