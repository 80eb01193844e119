import json

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from pricing.analytics import analytics_refresh
from soleflip.db.checks import connection_role_check
from soleflip.db.health import connection_role, health_report, role_problem
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
        "role",
        "abandoned_imports",
        "problems",
    }
    assert report["connections"]["active"] >= 1 and report["connections"]["max_connections"] > 0
    assert {p["table"] for p in report["partitions"]} == {
        "integration.price_history",
        "system.logs",
        "system.audit_log",
    }
    assert all(p["ok"] for p in report["partitions"])
    # The tests connect as a superuser: the one problem left is that connection itself.
    assert report["problems"] == [role_problem(report["role"])]


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


def _as_new_role(name: str, attributes: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" {attributes}')
        cursor.execute(f'SET LOCAL ROLE "{name}"')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("attributes", "what"), [("SUPERUSER", "a superuser"), ("NOSUPERUSER BYPASSRLS", "a role with BYPASSRLS")]
)
def test_a_connection_that_bypasses_row_security_is_a_problem_and_a_deploy_warning(attributes, what):
    _as_new_role("health_check_role", attributes)
    role = connection_role()
    assert (role["role"], role["row_security_applies"]) == ("health_check_role", False)
    problem = role_problem(role)
    assert problem is not None and f"connects as health_check_role, {what}" in problem
    assert [warning.id for warning in connection_role_check()] == ["soleflip.W001"]


@pytest.mark.django_db
def test_the_runtime_role_is_no_problem():
    _as_new_role("health_check_app", "NOSUPERUSER NOBYPASSRLS")
    assert connection_role()["row_security_applies"] is True
    assert role_problem(connection_role()) is None
    assert connection_role_check() == []
