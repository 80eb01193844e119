"""Imports from the admin: upload, a dry-run preview, confirm; big files go to the worker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from pricing.admin_imports import upload_dir
from pricing.models import ImportRun
from tests.factories import make_user
from tests.transactions.test_reports_import import HISTORICAL, historical_row, make_shop, pair, write_csv
from transactions.models import Order

pytestmark = pytest.mark.django_db
URL = "/admin/pricing/importrun/import/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_uploads_left_unconfirmed_are_purged(settings):
    import os
    import time

    from pricing.admin_imports import purge_stale_uploads

    old = upload_dir() / "abc"
    old.mkdir(parents=True)
    (old / "feed.csv").write_text("x")
    os.utime(old, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    fresh = upload_dir() / "def"
    fresh.mkdir()
    stray = upload_dir() / "stray.csv"  # a file outside a token's folder counts too
    stray.write_text("x")
    os.utime(stray, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    settings.IMPORT_UPLOAD_HOURS = 47
    assert purge_stale_uploads() == 2
    assert not old.exists() and not stray.exists() and fresh.exists()
    os.utime(fresh, (time.time() - 3600, time.time() - 3600))
    assert purge_stale_uploads() == 0 and purge_stale_uploads(older_than=dt.timedelta(minutes=30)) == 1


def test_the_worker_purges_unconfirmed_uploads_hourly():
    from procrastinate.contrib.django import app as procrastinate_app

    periodic = {p.task.name: p for p in procrastinate_app.periodic_registry.periodic_tasks.values()}
    assert periodic["pricing.tasks.purge_uploads"].cron == "23 * * * *"


def test_an_upload_goes_when_its_preview_fails_or_is_cancelled(client, tmp_path, monkeypatch):
    from pricing import admin_imports

    shop = make_shop()
    client.force_login(make_user(is_staff=True, role=Role.USER))
    client.post(URL, {"kind": "sales", "platform": "stockx", "file": report_upload(tmp_path, shop, good=False)})
    assert list(upload_dir().rglob("*.csv")) == []  # failed: it cannot be confirmed, so it is not kept
    preview = client.post(URL, {"kind": "sales", "platform": "stockx", "file": report_upload(tmp_path, shop)})
    assert len(list(upload_dir().rglob("*.csv"))) == 1
    client.post(URL, {"cancel": preview.context["token"]})
    assert list(upload_dir().rglob("*")) == []

    def crash(**kwargs):
        raise RuntimeError("the reader broke")

    monkeypatch.setitem(
        admin_imports.KINDS, "sales", admin_imports.ImportKindSpec("sales", "Sales", "transactions.import_order", crash)
    )
    with pytest.raises(RuntimeError):
        client.post(URL, {"kind": "sales", "platform": "stockx", "file": report_upload(tmp_path, shop)})
    assert list(upload_dir().rglob("*")) == []


def report_upload(tmp_path: Path, shop, *, good: bool = True) -> SimpleUploadedFile:
    pair(shop.dunk, shop.sizes["44.5"], days_ago=10)
    row = historical_row("H-1", "EU 44.5") if good else historical_row("H-1", "EU 44.5", price="lots")
    path = write_csv(tmp_path / "stockx.csv", HISTORICAL, [row])
    return SimpleUploadedFile("stockx-july.csv", path.read_bytes(), content_type="text/csv")


def test_preview_writes_nothing_and_confirm_imports(client, tmp_path):
    shop = make_shop()
    client.force_login(make_user(is_staff=True, role=Role.USER))
    preview = client.post(URL, {"kind": "sales", "platform": "stockx", "file": report_upload(tmp_path, shop)})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "would create 1" in page and "Confirm: import now" in page
    assert not Order.objects.exists()
    token = preview.context["token"]
    done = client.post(URL, {"confirm": token}, follow=True)
    assert done.status_code == 200 and Order.objects.filter(external_order_number="H-1").exists()
    runs = list(ImportRun.objects.order_by("created_at"))
    assert [r.options["dry_run"] for r in runs] == [True, False]
    assert not any(upload_dir().rglob("stockx-july.csv"))  # the upload is not kept


def test_a_bad_file_previews_its_errors_and_cannot_be_confirmed(client, tmp_path):
    shop = make_shop()
    client.force_login(make_user(is_staff=True, role=Role.USER))
    preview = client.post(
        URL, {"kind": "sales", "platform": "stockx", "file": report_upload(tmp_path, shop, good=False)}
    )
    page = preview.content.decode()
    assert 'class="preview-error"' in page and "Confirm:" not in page
    run = ImportRun.objects.latest("created_at")
    errors_csv = client.get(f"/admin/pricing/importrun/{run.pk}/errors.csv")
    assert errors_csv.status_code == 200 and b"line,column,reason" in errors_csv.content


def test_price_feeds_need_their_import_permission(client, tmp_path):
    client.force_login(make_user(is_staff=True, role=Role.USER))  # may import orders, not price feeds
    upload = SimpleUploadedFile("feed.csv", b"aw_product_id,merchant_id\n1,2\n")
    assert client.post(URL, {"kind": "awin", "file": upload}).status_code == 403
    client.force_login(make_user(is_staff=True, role=Role.READONLY))
    page = client.get("/admin/pricing/importrun/").content.decode()
    assert "Import a file" not in page


def test_uploads_over_the_limit_are_refused_with_advice(client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 2048
    client.force_login(make_user(is_staff=True, role=Role.ADMIN))
    upload = SimpleUploadedFile("big.csv", b"x" * 4096)
    page = client.post(URL, {"kind": "sales", "platform": "stockx", "file": upload}).content.decode()
    assert "uploads stop at 2,048" in page and "import_sales_report" in page


def test_big_files_are_confirmed_into_the_worker(client, tmp_path, settings):
    from procrastinate.contrib.django.models import ProcrastinateJob

    settings.IMPORT_SYNC_MAX_BYTES = 10
    shop = make_shop()
    client.force_login(make_user(is_staff=True, role=Role.USER))
    preview = client.post(URL, {"kind": "sales", "platform": "stockx", "file": report_upload(tmp_path, shop)})
    assert "import in the background" in preview.content.decode()
    client.post(URL, {"confirm": preview.context["token"]})
    job = ProcrastinateJob.objects.get(task_name="pricing.tasks.run_import")
    assert job.args["job"]["name"] == "stockx-july.csv"
    assert not Order.objects.exists()  # not yet: the worker runs it

    from pricing.admin_imports import run_pending_job

    run = run_pending_job(job.args["job"], job.args["user_id"])
    assert run.status == "succeeded" and Order.objects.filter(external_order_number="H-1").exists()
    assert not Path(job.args["job"]["path"]).exists()
