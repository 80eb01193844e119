"""The import run record: written whatever happens to the data, with its rejected rows."""

from __future__ import annotations

import hashlib

import pytest

from catalog.models import Brand
from pricing.imports import ImportFailed, import_run, import_run_errors_csv
from pricing.models import ImportKind, ImportRun
from soleflip.db.acting_user import current_acting_user
from soleflip.tabular.errors import RowError
from tests.factories import make_brand, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def feed(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(b"a,b\n1,2\n")
    return path


def test_a_successful_run_records_file_user_counts_and_duration(feed):
    user = make_user()
    with import_run(kind=ImportKind.AWIN_FEED, path=feed, acting_user=user, options={"merchant": "17046"}) as run:
        with run.data_transaction():
            assert current_acting_user() == str(user.pk)
            make_brand()
        run.run.rows_read, run.run.rows_created = 1, 1
    saved = ImportRun.objects.get()
    assert (saved.status, saved.file_name, saved.file_size, saved.user) == ("succeeded", "feed.csv", 8, user)
    assert saved.file_sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert (saved.rows_read, saved.rows_created, saved.options["merchant"]) == (1, 1, "17046")
    assert saved.started_at and saved.finished_at and saved.finished_at >= saved.started_at
    assert "duration_ms" in saved.options


def test_a_refused_file_keeps_its_errors_and_writes_no_data(feed):
    with pytest.raises(ImportFailed), import_run(kind=ImportKind.AWIN_FEED, path=feed) as run, run.data_transaction():
        make_brand()
        run.reject([RowError("feed.csv", 2, "b", '"2" is not an amount')])
        raise ImportFailed(run.run)
    saved = ImportRun.objects.get()
    assert (saved.status, saved.rows_failed) == ("failed", 1)
    assert saved.errors == [{"line": 2, "column": "b", "message": '"2" is not an amount'}]
    assert saved.message == "1 bad row(s); nothing was written."
    assert not Brand.objects.exists()


def test_an_interrupted_run_is_recorded_and_rolled_back(feed):
    with (
        pytest.raises(KeyboardInterrupt),
        import_run(kind=ImportKind.AWIN_FEED, path=feed) as run,
        run.data_transaction(),
    ):
        make_brand()
        raise KeyboardInterrupt
    saved = ImportRun.objects.get()
    assert saved.status == "failed" and saved.message == "Interrupted: stopped by Ctrl-C; nothing was written."
    assert not Brand.objects.exists()


def test_a_dry_run_counts_and_writes_nothing(feed):
    with import_run(kind=ImportKind.AWIN_FEED, path=feed) as run, run.data_transaction(dry_run=True):
        make_brand()
    assert not Brand.objects.exists()
    assert ImportRun.objects.get().status == "succeeded"


def test_the_error_report_escapes_spreadsheet_formulas(feed):
    run = ImportRun(file_name="=evil.csv", errors=[{"line": 3, "column": "@x", "message": "-1 is negative"}])
    lines = import_run_errors_csv(run).splitlines()
    assert lines == ["file,line,column,reason", "'=evil.csv,3,'@x,'-1 is negative"]
