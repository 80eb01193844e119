"""The platforms the sales-report import offers: in the platforms table, active, with a report format."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import cast

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from accounts.models import Role
from pricing.admin_imports import ImportForm
from pricing.models import ImportRun
from tests.factories import make_platform, make_user
from transactions.sales_import import formats
from transactions.sales_import.formats import ALIAS_SALES, FORMATS, report_platforms
from transactions.sales_import.importer import report_platform_choices

pytestmark = pytest.mark.django_db
URL = "/admin/pricing/importrun/import/"


def platforms() -> None:
    """StockX and eBay with formats, Klekt without one, Alias with one but inactive; no GOAT row."""
    make_platform(code="stockx", name="StockX")
    make_platform(code="ebay", name="eBay")
    make_platform(code="klekt", name="Klekt")
    make_platform(code="alias", name="Alias", is_active=False)


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("sales.csv", b"Order Number,Sale Date\nX-1,2025-01-01\n", content_type="text/csv")


def offered(form: ImportForm) -> list[tuple[str, str]]:
    field = form.fields["platform"]
    assert isinstance(field, forms.ChoiceField)
    return list(cast(Iterable[tuple[str, str]], field.choices))  # a CallableChoiceIterator, read now


def sales_form(code: str) -> ImportForm:
    return ImportForm(data={"kind": "sales", "platform": code}, files=MultiValueDict({"file": [upload()]}))


def test_the_report_platforms_are_those_of_the_formats():
    assert report_platforms() == {"stockx", "goat", "alias", "ebay"}
    assert report_platforms() == {code for fmt in FORMATS for code in fmt.platforms}


def test_only_active_platforms_of_the_table_with_a_report_format_are_offered():
    platforms()
    # Klekt has no format; GOAT has one but no row; Alias is inactive.
    assert report_platform_choices() == [("ebay", "eBay"), ("stockx", "StockX")]


def test_a_new_platform_row_with_a_format_is_offered_at_once():
    platforms()
    assert "goat" not in dict(report_platform_choices())
    make_platform(code="goat", name="GOAT")
    assert report_platform_choices() == [("ebay", "eBay"), ("goat", "GOAT"), ("stockx", "StockX")]


def test_a_platform_is_offered_once_a_format_belongs_to_it(monkeypatch):
    platforms()
    klekt_sales = dataclasses.replace(ALIAS_SALES, name="klekt_sales", title="Klekt sales", platforms=("klekt",))
    monkeypatch.setattr(formats, "FORMATS", (*FORMATS, klekt_sales))
    assert report_platform_choices() == [("ebay", "eBay"), ("klekt", "Klekt"), ("stockx", "StockX")]


def test_the_form_reads_the_choices_when_it_is_built():
    assert offered(ImportForm()) == [("", "–")]  # no platform yet
    platforms()
    assert offered(ImportForm()) == [("", "–"), ("ebay", "eBay"), ("stockx", "StockX")]


@pytest.mark.parametrize("code", ["klekt", "goat", "alias", "nowhere"])
def test_the_form_refuses_a_platform_it_does_not_offer(code):
    platforms()
    form = sales_form(code)
    assert not form.is_valid()
    assert list(form.errors) == ["platform"]
    assert "Select a valid choice" in form.errors["platform"][0]
    accepted = sales_form("stockx")
    assert accepted.is_valid(), accepted.errors


def test_the_import_screen_shows_the_offered_platforms_and_refuses_others(client):
    platforms()
    client.force_login(make_user(is_staff=True, role=Role.USER))
    page = client.get(URL).content.decode()
    assert 'value="stockx"' in page and 'value="ebay"' in page
    assert 'value="klekt"' not in page and 'value="goat"' not in page and 'value="alias"' not in page
    refused = client.post(URL, {"kind": "sales", "platform": "klekt", "file": upload()})
    assert refused.status_code == 200 and "platform" in refused.context["form"].errors
    assert not ImportRun.objects.exists()
