import json

import pytest
from django.core.management import call_command

from accounts.models import Role
from pricing.analytics import analytics_refresh
from soleflip.db.health import health_report
from tests.factories import make_import_run, make_price_history, make_user

pytestmark = pytest.mark.django_db


def test_report_has_every_section_and_flags_problems():
    analytics_refresh()
    report = health_report()
    assert set(report) >= {
        "connections",
        "slowest_statements",
        "unused_indexes",
        "largest_tables",
        "views",
        "partitions",
        "last_imports",
        "failed_jobs",
        "problems",
    }
    assert report["connections"]["active"] >= 1 and report["connections"]["max_connections"] > 0
    assert {p["table"] for p in report["partitions"]} == {
        "integration.price_history",
        "system.logs",
        "system.audit_log",
    }
    assert all(p["ok"] for p in report["partitions"]) and report["problems"] == []


def test_rows_stranded_in_a_default_partition_are_a_problem():
    import datetime as dt

    make_price_history(recorded_at=dt.datetime(2040, 1, 1, tzinfo=dt.UTC))
    report = health_report()
    assert any("integration.price_history: partitions need upkeep" in p for p in report["problems"])


def test_json_output_is_json(capsys):
    make_import_run(file_name="feed.csv")
    call_command("db_health", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["last_imports"][0]["file_name"] == "feed.csv"


def test_admin_page_needs_its_permission(client):
    client.force_login(make_user(is_staff=True, role=Role.USER))
    assert client.get("/admin/health/").status_code == 403
    client.force_login(make_user(is_staff=True, role=Role.ADMIN))
    page = client.get("/admin/health/")
    assert page.status_code == 200 and b"Database health" in page.content and b"system.audit_log" in page.content
