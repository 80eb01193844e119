"""manage.py import_awin_feed: a thin wrapper that prints progress and a one-line summary."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.services import size_charts_load
from pricing.models import AwinProduct, ImportRun
from tests.factories import make_user
from tests.pricing.test_awin_import import feed_row, write_feed

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(tmp_path):
    size_charts_load()
    return write_feed(tmp_path / "feed.csv", [feed_row(0), feed_row(1)])


def run_command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_awin_feed", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_and_prints_a_one_line_summary_with_progress_on_stderr(feed):
    out, err = run_command(str(feed))
    assert out.count("\n") == 1
    assert out.startswith("feed.csv: 2 read, 2 created, 0 updated, 0 unchanged.")
    assert re.search(r"\([0-9]+\.[0-9] s\)\n$", out)
    assert "[##############################] 100% 2 rows" in err
    assert AwinProduct.objects.count() == 2


def test_as_user_records_the_user_and_dry_run_writes_nothing(feed):
    user = make_user(email="Buyer@Example.com")
    out, _err = run_command(str(feed), "--as-user", "buyer@example.com", "--dry-run")
    assert "Dry run: nothing was written." in out
    assert ImportRun.objects.get().user == user
    assert not AwinProduct.objects.exists()


def test_an_unknown_user_is_a_command_error(feed):
    with pytest.raises(CommandError, match=r"--as-user nobody@example\.com: no user has this e-mail address"):
        run_command(str(feed), "--as-user", "nobody@example.com")
    assert not ImportRun.objects.exists()


def test_a_missing_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run_command(str(tmp_path / "nope.csv"))


def test_a_failed_run_exits_non_zero_and_lists_its_errors(tmp_path):
    size_charts_load()
    path = write_feed(tmp_path / "bad.csv", [feed_row(0, ean="123"), feed_row(1, search_price="")])
    err = StringIO()
    with pytest.raises(CommandError, match=r"bad.csv: 2 bad row\(s\); nothing was written"):
        call_command("import_awin_feed", str(path), stdout=StringIO(), stderr=err)
    assert 'line 2, column "ean": 123 has 3 digits' in err.getvalue()
    assert 'line 3, column "search_price": the row has no price' in err.getvalue()


def test_skip_bad_rows_and_merchant_reach_the_import(tmp_path):
    size_charts_load()
    path = write_feed(tmp_path / "feed.csv", [feed_row(0), feed_row(1, ean="123")])
    out, _err = run_command(str(path), "--skip-bad-rows", "--merchant", "10597")
    assert "1 bad rows skipped" in out
    run = ImportRun.objects.get()
    assert (run.status, run.options["merchant"], run.options["skip_bad_rows"]) == ("partial", "10597", True)
