"""Money and rates in the admin: typed as 99.95 and 9.5 (%), stored as cents and basis points."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from import_export.resources import modelresource_factory
from simple_history.models import ModelChange

from accounts.models import Role
from catalog.models import Inventory, Product
from demo.seed import demo_seed
from pricing.models import PriceSource
from soleflip.admin.base import SoleflipAdmin
from soleflip.admin.exports import SafeResource
from soleflip.admin.forms import MoneyField, PercentField
from soleflip.admin.money import MoneyHistoryContextHelper, SoleflipTabularInline, with_money_fields
from soleflip.values.money import parse_money, parse_percent
from tests.factories import (
    make_brand,
    make_fee_schedule,
    make_inventory,
    make_order,
    make_platform,
    make_price_source,
    make_product,
    make_user,
)
from transactions.models import FeeSchedule, Listing, Order

# --- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("99.95", 9995),
        ("99", 9900),
        ("99.9", 9990),
        ("99,95", 9995),
        ("99,9", 9990),
        ("0.5", 50),
        ("  12.30 ", 1230),
        ("0", 0),
        ("007.05", 705),
        ("1234.56", 123456),
    ],
)
def test_parse_money_reads_units_into_cents(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.234,56", '"1.234,56" is ambiguous: write 1234.56 (a point before the cents, no thousands separators)'),
        ("1,234.56", '"1,234.56" is ambiguous: write 1234.56 (a point before the cents, no thousands separators)'),
        ("1.234.567", '"1.234.567" is ambiguous: write 1234567'),
        ("1,234", '"1,234" has more than two decimals: money is entered to the cent (write 1234 if the comma'),
        ("1.234", '"1.234" has more than two decimals: money is entered to the cent (write 1234 if the point'),
        ("464.717", '"464.717" has more than two decimals: money is entered to the cent'),
        ("12.345", '"12.345" has more than two decimals: money is entered to the cent'),
        ("0.125", '"0.125" has more than two decimals: money is entered to the cent'),
        ("12.3456", '"12.3456" has more than two decimals: money is entered to the cent'),
        ("$1,000", '"$1,000" is not a number: write digits only'),
        ("€99.95", '"€99.95" is not a number'),
        ("99.95 EUR", '"99.95 EUR" is not a number'),
        ("1e3", '"1e3" is not a number'),
        ("+5", '"+5" is not a number'),
        ("1 234", '"1 234" has a space: write 1234'),
        ("-5", '"-5" is negative'),
        (".5", '".5" is incomplete: write 0.5'),
        ("5.", '"5." is incomplete: write 5'),
        ("--5", '"--5" is not a number'),
        ("9" * 16, "is too large"),
    ],
)
def test_parse_money_refuses_what_could_be_misread_and_says_how_to_write_it(text, message):
    with pytest.raises(ValidationError) as refused:
        parse_money(text)
    assert message in refused.value.messages[0]


def test_parse_money_takes_a_minus_only_when_allowed():
    assert parse_money("-5.50", allow_negative=True) == -550
    with pytest.raises(ValidationError, match="negative"):
        parse_money("-5.50")


@pytest.mark.parametrize(
    ("text", "bps"),
    [("9", 900), ("9.5", 950), ("9,5", 950), ("9.5%", 950), ("0.25", 25), ("100", 10000), (" 12 ", 1200)],
)
def test_parse_percent_reads_percent_into_basis_points(text, bps):
    assert parse_percent(text) == bps


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9.555", '"9.555" has more than two decimals: a rate is entered to a hundredth of a percent'),
        ("1.234,5", '"1.234,5" is ambiguous: write 1234.5'),
        ("nine", '"nine" is not a number'),
    ],
)
def test_parse_percent_refuses(text, message):
    with pytest.raises(ValidationError) as refused:
        parse_percent(text)
    assert refused.value.messages[0].startswith(message)


# --- form fields ------------------------------------------------------------------------


def test_money_field_cleans_to_cents_and_shows_units():
    field = MoneyField(required=False)
    assert field.clean("99.95") == 9995
    assert field.clean("99,9") == 9990
    assert field.clean("") is None
    assert field.clean("   ") is None
    assert field.prepare_value(9995) == "99.95"
    assert field.prepare_value(9900) == "99.00"
    assert field.prepare_value(5) == "0.05"
    assert field.prepare_value("99,95") == "99,95"  # a refused entry is shown as typed
    assert field.clean(field.prepare_value(123456)) == 123456
    assert field.clean(75) == 7500  # form data is typed units, whatever its type
    assert not field.has_changed(9995, "99.95")
    assert field.has_changed(9995, "99.96")


def test_money_field_required_limits_and_refusals():
    field = MoneyField(min_value=1, max_value=2_147_483_647)
    with pytest.raises(ValidationError, match="required"):
        field.clean("")
    with pytest.raises(ValidationError, match=r"at least 0\.01"):
        field.clean("0")
    with pytest.raises(ValidationError, match=r"at most 21474836\.47"):
        field.clean("21474836.48")
    with pytest.raises(ValidationError, match="ambiguous"):
        field.clean("1.234,56")
    assert MoneyField(allow_negative=True).clean("-0.50") == -50


def test_money_widget_is_a_decimal_text_input_with_the_currency():
    field = MoneyField(currency="USD", help_text="Price paid per pair.")
    html = field.widget.render("price", field.prepare_value(9995))
    assert 'type="text"' in html
    assert 'inputmode="decimal"' in html
    assert 'value="99.95"' in html
    assert "USD" in html
    assert field.help_text == "Price paid per pair. In USD."
    field.set_currency(None)
    assert field.help_text == "Price paid per pair."
    assert "USD" not in field.widget.render("price", "1.00")


def test_percent_field_cleans_to_basis_points_between_0_and_100():
    field = PercentField()
    assert field.clean("9") == 900
    assert field.clean("9.5") == 950
    assert field.clean("9,5") == 950
    assert field.clean("100") == 10000
    assert field.prepare_value(950) == "9.5"
    assert field.prepare_value(1000) == "10"
    assert field.prepare_value(25) == "0.25"
    with pytest.raises(ValidationError, match=r"100% or less"):
        field.clean("100.01")
    with pytest.raises(ValidationError, match="negative"):
        field.clean("-1")
    with pytest.raises(ValidationError, match="more than two decimals"):
        field.clean("9.125")
    assert "%" in field.widget.render("rate", "9.5")


# --- admin forms ------------------------------------------------------------------------


def _formfield(model, name, request=None):
    model_admin = admin.site._registry[model]
    return model_admin.formfield_for_dbfield(model._meta.get_field(name), request or RequestFactory().get("/"))


def test_admin_maps_cents_and_bps_columns_to_money_and_percent_fields():
    price = _formfield(Inventory, "purchase_price_cents")
    assert isinstance(price, MoneyField)
    assert price.label == "Purchase price"
    assert price.help_text == "Price paid per pair."
    assert not price.required
    assert not price.allow_negative  # chk_inventory_purchase_price_positive: >= 0

    retail = _formfield(Product, "retail_price_cents")
    assert (retail.label, retail.help_text) == ("Retail price", "Manufacturer retail price.")
    assert retail.currency_fields == ("retail_currency",)

    ask = _formfield(Listing, "ask_price_cents")
    assert ask.label == "Ask price" and ask.required
    assert ask.min_value == 1  # chk_listings_ask_price_positive: > 0

    net = _formfield(Order, "net_proceeds_cents")
    assert net.label == "Net proceeds"
    assert net.help_text == "Sale price less fees and costs, in the sale currency."
    assert net.allow_negative  # fees and costs may exceed a cheap sale

    fee = _formfield(FeeSchedule, "transaction_fee_bps")
    assert isinstance(fee, PercentField)
    assert fee.label == "Transaction fee (%)"
    assert fee.help_text == "Percent of the sale price."
    processing = _formfield(FeeSchedule, "processing_fee_bps")
    assert (processing.label, processing.help_text) == ("Processing fee (%)", "Payment processing.")
    assert processing.initial == 0

    sale = _formfield(Order, "sale_price_cents")
    assert sale.label == "Sale price"


class _RawFormAdmin(SoleflipAdmin):
    pass


def test_a_form_declaring_its_own_widget_keeps_it():
    from django import forms

    model_admin = _RawFormAdmin(Inventory, admin.site)
    field = model_admin.formfield_for_dbfield(
        Inventory._meta.get_field("purchase_price_cents"), RequestFactory().get("/"), widget=forms.NumberInput
    )
    assert not isinstance(field, MoneyField)


class _FormValues(HTMLParser):
    """The values a browser would post for the first form of a page (without its buttons)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"} and "checked" not in a:
                return
            self.values.setdefault(name, []).append(a.get("value", "on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, []).append("")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            if chosen:
                self.values.setdefault(self._select, []).extend(chosen)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _post_form(client, url: str, **values: str):
    parser = _FormValues()
    page = client.get(url)
    assert page.status_code == 200
    parser.feed(page.content.decode())
    data: dict[str, Any] = {k: v for k, v in parser.values.items() if k != "csrfmiddlewaretoken"}
    data.update(values)
    return client.post(url, data)


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_product_add_form_takes_the_retail_price_in_euros(superuser_client):
    brand = make_brand()
    response = _post_form(
        superuser_client,
        "/admin/catalog/product/add/",
        name="Dunk Low Panda",
        brand=str(brand.pk),
        style_code="DD1391-100",
        retail_price_cents="99.95",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Product.objects.get(style_code="DD1391-100").retail_price_cents == 9995


@pytest.mark.django_db
def test_product_add_form_refuses_an_ambiguous_price_and_says_how_to_write_it(superuser_client):
    brand = make_brand()
    response = _post_form(
        superuser_client,
        "/admin/catalog/product/add/",
        name="Dunk Low Panda",
        brand=str(brand.pk),
        style_code="DD1391-100",
        retail_price_cents="1.234,56",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is ambiguous: write 1234.56 (a point before the cents, no thousands separators)" in page
    assert 'value="1.234,56"' in page  # shown again as typed
    assert not Product.objects.filter(style_code="DD1391-100").exists()


@pytest.mark.django_db
def test_fee_schedule_add_form_takes_percent(superuser_client):
    platform = make_platform()
    response = _post_form(
        superuser_client,
        "/admin/transactions/feeschedule/add/",
        platform=str(platform.pk),
        valid_from="2026-01-01",
        transaction_fee_bps="9.5",
        processing_fee_bps="3",
        fixed_fee_cents="0.30",
        minimum_fee_cents="5",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    schedule = FeeSchedule.objects.get(platform=platform)
    assert (schedule.transaction_fee_bps, schedule.processing_fee_bps) == (950, 300)
    assert (schedule.fixed_fee_cents, schedule.minimum_fee_cents) == (30, 500)


@pytest.mark.django_db
def test_change_form_shows_stored_cents_as_units_in_the_rows_currency(superuser_client):
    item = make_inventory(purchase_price_cents=12050, currency="USD")
    page = superuser_client.get(f"/admin/catalog/inventory/{item.pk}/change/").content.decode()
    assert re.search(
        r'name="purchase_price_cents"[^>]*value="120\.50"|value="120\.50"[^>]*name="purchase_price_cents"', page
    )
    assert 'inputmode="decimal"' in page
    assert "Price paid per pair. In USD." in page


@pytest.mark.django_db
def test_fee_schedule_change_form_shows_percent(superuser_client):
    schedule = make_fee_schedule(transaction_fee_bps=950)
    page = superuser_client.get(f"/admin/transactions/feeschedule/{schedule.pk}/change/").content.decode()
    assert re.search(r'name="transaction_fee_bps"[^>]*value="9\.5"|value="9\.5"[^>]*name="transaction_fee_bps"', page)


@pytest.mark.django_db
def test_read_only_amount_shows_as_money_with_its_label(superuser_client):
    product = make_product(retail_currency="GBP")
    Product.objects.filter(pk=product.pk).update(avg_resale_price_cents=15025)
    page = superuser_client.get(f"/admin/catalog/product/{product.pk}/change/").content.decode()
    labels = _texts(page, "label")
    assert "Avg resale price" in labels
    assert "£150.25" in page


@pytest.mark.django_db
def test_view_only_change_page_shows_money(client):
    item = make_inventory(purchase_price_cents=9999)
    make_order(inventory=item, sale_price_cents=20000)
    client.force_login(make_user(is_staff=True, role=Role.READONLY))
    response = client.get(f"/admin/catalog/inventory/{item.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Purchase price" in _texts(page, "label")
    assert "€99.99" in page
    assert "Sale price" in _texts(page, "th")  # the orders inline, read-only
    assert "€200.00" in page
    assert not _unit_words(page)


@pytest.mark.django_db
def test_list_display_of_a_raw_column_becomes_money():
    class PriceListAdmin(SoleflipAdmin):
        list_display = ["product", "price_cents"]

    source = make_price_source(price_cents=12999, currency="USD")
    model_admin = PriceListAdmin(PriceSource, admin.site)
    shown = model_admin.get_list_display(RequestFactory().get("/"))
    assert shown == ["product", "price_cents_as_money"]
    column = model_admin.price_cents_as_money
    assert (column.short_description, column.admin_order_field) == ("price", "price_cents")
    assert column(source) == "$129.99"


@pytest.mark.django_db
def test_a_screens_own_read_only_list_is_shown_as_money_in_django_s_order():
    class OwnListAdmin(SoleflipAdmin):
        def get_readonly_fields(self, request, obj=None):
            return ["source_url", "price_cents", "currency"]  # without super()

    source = make_price_source(price_cents=12999, currency="USD")
    model_admin = OwnListAdmin(PriceSource, admin.site)
    request = RequestFactory().get("/")
    request.user = make_user(is_staff=True, is_superuser=True)
    assert model_admin.get_readonly_fields(request, source) == ["source_url", "price_cents_as_money", "currency"]
    fields = model_admin.get_fields(request, source)
    assert "price_cents" not in fields
    assert fields[-3:] == ["source_url", "price_cents_as_money", "currency"]  # where Django puts read-only fields
    form = model_admin.get_form(
        request, source, change=True, fields=flatten_fieldsets(model_admin.get_fieldsets(request, source))
    )
    assert "price_cents" not in form.base_fields
    assert model_admin.price_cents_as_money(source) == "$129.99"


@pytest.mark.django_db
def test_inlines_get_money_fields_and_read_only_money():
    class OrderRows(admin.TabularInline):
        model = Order
        fields = ["platform", "sale_price_cents", "net_proceeds_cents"]
        readonly_fields = ["net_proceeds_cents"]

    upgraded = with_money_fields(OrderRows)
    assert with_money_fields(OrderRows) is upgraded
    assert with_money_fields(SoleflipTabularInline) is SoleflipTabularInline
    inline = upgraded(Inventory, admin.site)
    request = RequestFactory().get("/")
    request.user = make_user(is_staff=True, is_superuser=True)
    assert inline.get_readonly_fields(request) == ["net_proceeds_cents_as_money"]
    assert inline.get_fieldsets(request) == [
        (None, {"fields": ["platform", "sale_price_cents", "net_proceeds_cents_as_money"]})
    ]
    formset = inline.get_formset(request)
    assert isinstance(formset.form.base_fields["sale_price_cents"], MoneyField)
    assert "net_proceeds_cents" not in formset.form.base_fields
    order = make_order(net_proceeds_cents=17600)
    assert inline.net_proceeds_cents_as_money(order) == "€176.00"


@pytest.mark.django_db
def test_history_list_shows_changed_amounts_as_money(superuser_client):
    item = make_inventory(purchase_price_cents=9999, currency="USD")
    item.purchase_price_cents = 10550
    item.save()
    page = superuser_client.get(f"/admin/catalog/inventory/{item.pk}/history/").content.decode()
    (change,) = [text for text in _texts(page, "li") if text.startswith("Purchase price")]
    assert re.fullmatch(r"Purchase price: \$99\.99\W+(arrow_right_alt\W+)?\$105\.50", change), change
    changes = " ".join(_texts(page, "li"))
    assert "cents" not in changes.lower()


def test_history_changes_of_a_rate_read_as_percent():
    helper = MoneyHistoryContextHelper(FeeSchedule, FeeSchedule(currency="EUR"))
    change = helper.format_delta_change(ModelChange("transaction_fee_bps", 900, 950))
    assert (change.field, change.old, change.new) == ("Transaction fee (%)", "9%", "9.5%")
    change = helper.format_delta_change(ModelChange("minimum_fee_cents", 0, 50))
    assert (change.field, change.old, change.new) == ("Minimum fee", "€0.00", "€0.50")


# --- every screen -----------------------------------------------------------------------


class _Texts(HTMLParser):
    """The text inside every ``tag`` element of a page, whitespace collapsed."""

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag, self.depth = tag, 0
        self.texts: list[str] = []
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == self.tag:
            self.depth += 1
            if self.depth == 1:
                self._parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag == self.tag and self.depth:
            self.depth -= 1
            if self.depth == 0:
                self.texts.append(" ".join("".join(self._parts).split()))

    def handle_data(self, data: str) -> None:
        if self.depth:
            self._parts.append(data)


def _texts(page: str, tag: str) -> list[str]:
    parser = _Texts(tag)
    parser.feed(page)
    return parser.texts


_UNIT = re.compile(r"cents|\bbps\b|basis point", re.IGNORECASE)


def _unit_words(page: str) -> list[str]:
    return [text for tag in ("label", "th") for text in _texts(page, tag) if _UNIT.search(text)]


def test_unit_words_are_found_in_labels_and_headers_only():
    page = '<input name="price_cents"><label>Price cents</label><th>ROI (bps)</th><td>cents</td><th>price</th>'
    assert _unit_words(page) == ["Price cents", "ROI (bps)"]


@pytest.mark.django_db
def test_no_label_or_column_header_of_any_screen_says_cents_or_bps(client):
    demo_seed()
    user = make_user(is_staff=True, is_superuser=True)
    client.force_login(user)
    request = RequestFactory().get("/admin/")
    request.user = user
    found: dict[str, list[str]] = {}
    pages = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        if model_admin.has_add_permission(request):
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        first = model._default_manager.first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            pages += 1
            if words := _unit_words(response.content.decode()):
                found[url] = words
    assert found == {}
    assert pages > 60


# --- exports ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_inventory_export_has_amounts_in_units_under_headers_without_cents(client):
    item = make_inventory(purchase_price_cents=9995, currency="USD")
    client.force_login(make_user(is_staff=True, role=Role.ADMIN))
    ids = [str(item.pk)]
    client.post("/admin/catalog/inventory/", {"action": "export_admin_action", "_selected_action": ids})
    form = client.get("/admin/catalog/inventory/export/").content.decode()
    assert "inventoryresource_purchase_price" in form
    assert not [label for label in _texts(form, "label") if _UNIT.search(label)]
    response = client.post(
        "/admin/catalog/inventory/export/",
        {
            "format": "0",
            "export_items": ids,
            "resource": "0",
            **{f"inventoryresource_{f}": "on" for f in ("id", "purchase_price", "currency")},
        },
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["id", "purchase_price", "currency"]
    assert rows[0]["purchase_price"] == "99.95"
    assert rows[0]["currency"] == "USD"


@pytest.mark.django_db
def test_every_amount_and_rate_of_an_order_and_a_fee_schedule_exports_in_units():
    order = make_order(sale_price_cents=20000, platform_fee_cents=1800, net_proceeds_cents=-5)
    resource = modelresource_factory(Order, resource_class=SafeResource)()
    dataset = resource.export(Order.objects.filter(pk=order.pk))
    assert not [h for h in dataset.headers if _UNIT.search(h)]
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert str(row["sale_price"]) == "200.00"
    assert str(row["platform_fee"]) == "18.00"
    assert str(row["shipping_cost"]) == "0.00"
    assert str(row["net_proceeds"]) == "-0.05"  # a number, not text escaped as a formula
    assert "sale_price" in dataset.csv.splitlines()[0]

    schedule = make_fee_schedule(transaction_fee_bps=950, minimum_fee_cents=500)
    resource = modelresource_factory(FeeSchedule, resource_class=SafeResource)()
    dataset = resource.export(FeeSchedule.objects.filter(pk=schedule.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert str(row["transaction_fee_percent"]) == "9.50"
    assert str(row["processing_fee_percent"]) == "3.00"
    assert str(row["minimum_fee"]) == "5.00"
    assert not [h for h in dataset.headers if _UNIT.search(h)]


@pytest.mark.django_db
def test_export_keeps_escaping_text_cells():
    item = make_inventory(notes="=1+1", purchase_price_cents=None)
    resource = modelresource_factory(Inventory, resource_class=SafeResource)()
    dataset = resource.export(Inventory.objects.filter(pk=item.pk))
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["notes"] == "'=1+1"
    assert row["purchase_price"] == ""
