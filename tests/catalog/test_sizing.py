"""Size standardization (catalog/sizing.py): pure Python, no database."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from catalog.models import GenderClass, SizeRegion
from catalog.sizing import (
    CHART_ALIASES,
    DEFAULT_CHARTS_PATH,
    EU_AS_GIVEN,
    GENDER_CLASSES,
    REGIONS,
    ChartLine,
    Decision,
    ParsedSize,
    Status,
    eu_decimal,
    load_charts,
    normalize_value,
    parse_size_label,
    standardize,
    standardize_label,
)

CHARTS = load_charts()
DOCUMENT = json.loads(DEFAULT_CHARTS_PATH.read_text(encoding="utf-8"))


def decide(brand: str, region: str, value: str, gender_class: str | None = None) -> Decision:
    return standardize(CHARTS, brand_slug=brand, region=region, value=value, gender_class=gender_class)


def eu(value: str) -> Decimal:
    return Decimal(value)


# --- parsing labels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "region", "value", "gender_class", "kids_suffix"),
    [
        ("9", None, "9", None, None),
        ("9.5", None, "9.5", None, None),
        ("9.0", None, "9", None, None),
        ("9½", None, "9.5", None, None),
        ("US 9", "US", "9", None, None),
        ("US M 9", "US", "9", "M", None),
        ("us m 9", "US", "9", "M", None),
        ("US W 10.5", "US", "10.5", "W", None),
        ("Men's 9", "US", "9", "M", None),
        ("EU 42 2/3", "EU", "42 2/3", None, None),
        ("42⅔", "EU", "42 2/3", None, None),
        ("36 2/3", "EU", "36 2/3", None, None),
        ("EU 42,5", "EU", "42.5", None, None),
        ("42,5", None, "42.5", None, None),
        ("CM 23.5", "CM", "23.5", None, None),
        ("KR 265", "KR", "265", None, None),
        ("4Y", "US", "4", "GS", "Y"),
        ("5.5Y", "US", "5.5", "GS", "Y"),
        ("10C", "US", "10", "PS", "C"),
        ("2T", "US", "2", "TD", "T"),
        ("8K", "US", "8", "TD", "K"),
        ("UK 10K", "UK", "10", "TD", "K"),
        ("PS 2Y", "US", "2", "PS", "Y"),
    ],
)
def test_parse_reads_region_value_and_class_of_each_label_form(label, region, value, gender_class, kids_suffix):
    assert parse_size_label(label) == ParsedSize(region, value, gender_class, kids_suffix)


def test_parse_keeps_the_size_in_parentheses_as_secondary():
    assert parse_size_label("UK 6 (EU 39)") == ParsedSize("UK", "6", secondary=ParsedSize("EU", "39"))


def test_parse_takes_the_class_stated_in_the_secondary_for_the_whole_label():
    parsed = parse_size_label("CM 23.5 (US M 4.5)")

    assert parsed == ParsedSize("CM", "23.5", "M", secondary=ParsedSize("US", "4.5", "M"))


def test_parse_reads_mens_and_womens_sizes_of_a_unisex_label():
    assert parse_size_label("M 9 / W 10.5") == ParsedSize("US", "9", "M", secondary=ParsedSize("US", "10.5", "W"))


def test_parse_applies_defaults_only_where_the_label_is_silent():
    assert parse_size_label("42,5", default_region="EU") == ParsedSize("EU", "42.5")
    assert parse_size_label("US 9", default_region="UK", default_class="M") == ParsedSize("US", "9", "M")
    assert parse_size_label("4Y", default_class="W") == ParsedSize("US", "4", "GS", "Y")
    assert parse_size_label("36 2/3", default_region="US") == ParsedSize("EU", "36 2/3")


@pytest.mark.parametrize(
    "label",
    ["One Size", "OS", "XL", "2XL", "S/M", "M", "", "W32 L34", "US 9 (Wide)", "US 9 1/3", "M 4Y", "CM 4Y", "W 32"],
)
def test_parse_returns_none_for_apparel_and_other_non_shoe_sizes(label):
    assert parse_size_label(label) is None


def test_parse_refuses_a_default_outside_the_vocabulary():
    with pytest.raises(ValueError, match="not a region"):
        parse_size_label("9", default_region="JP")
    with pytest.raises(ValueError, match="not a gender class"):
        parse_size_label("9", default_class="Y")


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("42,5", "42.5"),
        ("9.0", "9"),
        ("9.50", "9.5"),
        ("042", "42"),
        ("42⅔", "42 2/3"),
        ("42 ⅔", "42 2/3"),
        ("42 2/3", "42 2/3"),
        ("9 1/2", "9.5"),
        ("25.25", "25.25"),
        ("nine", None),
        ("42.5 1/2", None),
    ],
)
def test_normalize_value_gives_one_spelling_per_size(raw, canonical):
    assert normalize_value(raw) == canonical


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("36 2/3", Decimal("36.7")),
        ("37 1/3", Decimal("37.3")),
        ("42.67", Decimal("42.7")),
        ("42.7", Decimal("42.7")),
        ("42.5", Decimal("42.5")),
        ("42", Decimal("42.0")),
        ("42.25", None),
    ],
)
def test_eu_decimal_stores_thirds_with_one_decimal_place(value, expected):
    assert eu_decimal(value) == expected


# --- standardizing: decided ----------------------------------------------------------------


def test_us_mens_size_is_decided_with_the_chart_line_used():
    decision = decide("nike", "US", "9", "M")

    assert decision.status is Status.DECIDED
    assert decision.eu_value == eu("42.5")
    assert decision.line == ChartLine("nike", "M", "US", "9", eu("42.5"), decision.source)
    assert "Nike men's shoe size chart" in decision.source


def test_womens_size_is_read_on_the_womens_chart():
    assert decide("nike", "US", "10.5", "W").eu_value == eu("42.5")
    assert decide("nike", "US", "10.5", "M").eu_value == eu("44.5")


def test_size_without_gender_class_is_decided_when_mens_and_womens_charts_agree():
    decision = decide("nike", "UK", "8")

    assert decision.status is Status.DECIDED
    assert decision.eu_value == eu("42.5")
    assert {line.gender_class for line in decision.lines} == {"M", "W"}


def test_eu_value_standardizes_to_itself_when_the_brands_chart_lists_it():
    decision = decide("nike", "EU", "42.5", "M")

    assert decision.status is Status.DECIDED
    assert decision.eu_value == eu("42.5")
    assert decision.line is not None
    assert decision.line.region == "EU"


def test_eu_value_of_a_brand_without_charts_is_taken_as_given():
    decision = decide("puma", "EU", "42")

    assert decision.status is Status.DECIDED
    assert decision.eu_value == eu("42")
    assert decision.line is None
    assert decision.source == EU_AS_GIVEN


def test_eu_value_of_a_class_the_brand_does_not_chart_is_taken_as_given():
    decision = decide("asics", "EU", "36", "GS")

    assert (decision.status, decision.eu_value, decision.source) == (Status.DECIDED, eu("36"), EU_AS_GIVEN)


def test_adidas_thirds_standardize_to_one_decimal_place():
    assert decide("adidas", "EU", "36 2/3").eu_value == eu("36.7")
    assert decide("adidas", "EU", "37 1/3").eu_value == eu("37.3")
    assert decide("adidas", "EU", "42.67", "M").eu_value == eu("42.7")
    assert decide("adidas", "US", "9", "M").eu_value == eu("42.7")
    assert decide("adidas", "UK", "8.5", "W").eu_value == eu("42.7")


def test_jordan_sizes_are_read_on_nikes_charts():
    decision = decide("jordan", "US", "9", "M")

    assert decision.eu_value == eu("42.5")
    assert decision.line is not None
    assert decision.line.brand_slug == "nike"
    assert "jordan uses nike's charts" in decision.reason
    assert decide("Jordan", "UK", "6", "M").candidates == (eu("39"), eu("40"))


@pytest.mark.parametrize(
    ("brand", "region", "value", "gender_class", "expected"),
    [
        ("nike", "US", "5", "GS", "37.5"),
        ("nike", "UK", "6", "GS", None),  # Nike's big kids' chart repeats the men's UK 6
        ("nike", "US", "11", "PS", "28"),
        ("nike", "US", "1", "PS", "32"),
        ("nike", "US", "8", "TD", "25"),
        ("nike", "KR", "140", "TD", "25"),
        ("adidas", "US", "4.5", "GS", "36.7"),
        ("adidas", "US", "10.5", "PS", "28"),
        ("adidas", "US", "8", "TD", "25"),
    ],
)
def test_kids_classes_are_read_on_their_own_charts(brand, region, value, gender_class, expected):
    decision = decide(brand, region, value, gender_class)

    assert decision.eu_value == (eu(expected) if expected else None)
    assert all(line.gender_class == gender_class for line in decision.lines)


def test_asics_and_new_balance_adult_sizes_are_charted():
    assert decide("asics", "US", "9", "M").eu_value == eu("42.5")
    assert decide("asics", "US", "8", "W").eu_value == eu("39.5")
    assert decide("new-balance", "US", "9", "M").eu_value == eu("42.5")
    assert decide("new-balance", "US", "9", "W").eu_value == eu("40.5")


# --- standardizing: never a guess ----------------------------------------------------------


def test_nike_mens_uk_6_is_ambiguous_between_eu_39_and_40():
    decision = decide("nike", "UK", "6", "M")

    assert decision.status is Status.AMBIGUOUS
    assert decision.eu_value is None
    assert decision.candidates == (eu("39"), eu("40"))
    assert "2 times" in decision.reason


@pytest.mark.parametrize(("value", "candidates"), [("23.5", ("36.5", "37.5")), ("24", ("38", "38.5"))])
def test_nike_mens_cm_duplicates_are_ambiguous(value, candidates):
    decision = decide("nike", "CM", value, "M")

    assert decision.status is Status.AMBIGUOUS
    assert decision.candidates == tuple(eu(candidate) for candidate in candidates)


def test_us_size_without_gender_class_is_ambiguous_when_mens_and_womens_differ():
    decision = decide("nike", "US", "9")

    assert decision.status is Status.AMBIGUOUS
    assert {eu("40.5"), eu("42.5")} <= set(decision.candidates)
    assert "no gender class given" in decision.reason


def test_unisex_size_is_ambiguous_unless_mens_and_womens_charts_agree():
    assert decide("adidas", "US", "9", "U").status is Status.AMBIGUOUS
    assert decide("nike", "UK", "8", "U").eu_value == eu("42.5")


def test_size_without_class_on_one_adult_chart_only_is_not_decided():
    # US 3.5 is on Nike's men's and big kids' charts but not its women's (which starts at 4):
    # the reading is unique, yet a women's 3.5 would not be EU 35.5, so the class must say.
    decision = decide("nike", "US", "3.5")

    assert decision.status is Status.AMBIGUOUS
    assert decision.candidates == (eu("35.5"),)


def test_size_on_a_class_chart_the_brand_lacks_is_ambiguous():
    decision = decide("asics", "US", "5", "GS")

    assert decision.status is Status.AMBIGUOUS
    assert "asics has no GS US chart" in decision.reason


def test_size_of_a_brand_without_charts_is_unknown():
    decision = decide("puma", "US", "9", "M")

    assert decision.status is Status.UNKNOWN
    assert decision.reason == "puma has no size chart"


def test_size_missing_from_the_chart_is_unknown():
    assert decide("nike", "US", "25", "M").status is Status.UNKNOWN
    assert decide("nike", "US", "3", "GS").status is Status.UNKNOWN  # 3Y is a PS size at Nike


@pytest.mark.parametrize(("brand", "value"), [("nike", "42 2/3"), ("nike", "41.5"), ("puma", "60"), ("puma", "42.25")])
def test_eu_value_that_is_not_a_size_of_the_brand_is_unknown(brand, value):
    assert decide(brand, "EU", value, "M").status is Status.UNKNOWN


def test_eu_value_for_the_wrong_class_is_unknown():
    assert decide("nike", "EU", "42", "TD").status is Status.UNKNOWN


def test_adidas_label_cm_is_not_matched_against_foot_length():
    # adidas labels print JP/CM in 5 mm steps; the chart holds foot length (26.3, 26.7).
    assert decide("adidas", "CM", "26.5", "M").status is Status.UNKNOWN


def test_standardize_refuses_a_region_or_class_outside_the_vocabulary():
    with pytest.raises(ValueError, match="not a region"):
        decide("nike", "JP", "27", "M")
    with pytest.raises(ValueError, match="not a gender class"):
        decide("nike", "US", "9", "Y")


def test_value_that_is_not_a_number_is_unknown():
    assert decide("nike", "US", "nine", "M").status is Status.UNKNOWN


# --- standardizing labels ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("brand", "label", "expected"),
    [
        ("nike", "UK 6 (EU 39)", "39"),
        ("nike", "UK 6 (EU 40)", "40"),
        ("nike", "CM 23.5 (US M 4.5)", "36.5"),
        ("nike", "CM 23.5 (US M 5)", "37.5"),
        ("jordan", "UK 6 (EU 39)", "39"),
    ],
)
def test_secondary_size_settles_an_ambiguity(brand, label, expected):
    decision = standardize_label(CHARTS, brand, label)

    assert decision.status is Status.DECIDED
    assert decision.eu_value == eu(expected)
    assert decision.line is not None
    assert decision.line.eu_value == eu(expected)


def test_label_whose_parts_disagree_is_ambiguous():
    decision = standardize_label(CHARTS, "nike", "US M 9 (EU 43)")

    assert decision.status is Status.AMBIGUOUS
    assert decision.candidates == (eu("42.5"), eu("43"))
    assert "contradicts itself" in decision.reason


def test_unisex_label_is_decided_when_mens_and_womens_sizes_agree():
    assert standardize_label(CHARTS, "nike", "M 9 / W 10.5").eu_value == eu("42.5")
    assert standardize_label(CHARTS, "nike", "M 9 / W 11").status is Status.AMBIGUOUS


def test_secondary_eu_size_decides_for_a_brand_without_charts():
    decision = standardize_label(CHARTS, "puma", "UK 6 (EU 39)")

    assert (decision.status, decision.eu_value, decision.source) == (Status.DECIDED, eu("39"), EU_AS_GIVEN)


@pytest.mark.parametrize(
    ("brand", "label", "expected", "chart"),
    [
        ("nike", "4Y", "36", "GS"),
        ("nike", "5.5Y", "38", "GS"),
        ("nike", "3Y", "35", "PS"),  # Y sizes below 3.5Y are on Nike's little kids' chart
        ("nike", "10.5C", "27.5", "PS"),
        ("nike", "10C", "27", "TD"),  # C sizes up to 10C are on Nike's toddler chart
        ("nike", "2T", "17", "TD"),
        ("adidas", "8K", "25", "TD"),
        ("adidas", "UK 10K", "28", "PS"),
        ("nike", "UK 2.5 (US 3Y)", "35", "PS"),
    ],
)
def test_kids_suffix_is_read_on_every_chart_that_uses_it(brand, label, expected, chart):
    decision = standardize_label(CHARTS, brand, label)

    assert decision.eu_value == eu(expected)
    assert decision.line is not None
    assert decision.line.gender_class == chart


def test_kids_suffix_of_a_brand_without_kids_charts_is_not_decided():
    assert standardize_label(CHARTS, "asics", "5Y").status is Status.AMBIGUOUS


def test_label_adidas_thirds_in_both_spellings_standardize_alike():
    assert standardize_label(CHARTS, "adidas", "EU 42 2/3").eu_value == eu("42.7")
    assert standardize_label(CHARTS, "adidas", "42⅔").eu_value == eu("42.7")


def test_comma_decimal_from_german_feeds_standardizes_with_the_feeds_region():
    assert standardize_label(CHARTS, "nike", "42,5", default_region="EU").eu_value == eu("42.5")


def test_label_without_region_is_ambiguous_until_a_default_names_one():
    assert standardize_label(CHARTS, "nike", "9").status is Status.AMBIGUOUS
    assert standardize_label(CHARTS, "nike", "9", "M", default_region="US").eu_value == eu("42.5")


def test_default_class_applies_to_a_label_that_states_none():
    assert standardize_label(CHARTS, "nike", "US 9", "W").eu_value == eu("40.5")
    assert standardize_label(CHARTS, "nike", "US M 9", "W").eu_value == eu("42.5")


@pytest.mark.parametrize("label", ["One Size", "XL"])
def test_apparel_label_is_unknown(label):
    decision = standardize_label(CHARTS, "nike", label)

    assert decision.status is Status.UNKNOWN
    assert "not a shoe size label" in decision.reason


# --- the charts file -----------------------------------------------------------------------

REQUIRED_CHARTS = {
    ("nike", "M"),
    ("nike", "W"),
    ("nike", "GS"),
    ("nike", "PS"),
    ("nike", "TD"),
    ("adidas", "M"),
    ("adidas", "W"),
    ("adidas", "GS"),
    ("adidas", "PS"),
    ("adidas", "TD"),
    ("asics", "M"),
    ("asics", "W"),
    ("new-balance", "M"),
    ("new-balance", "W"),
}


def test_charts_file_holds_every_required_chart():
    assert {(chart["brand"], chart["gender_class"]) for chart in DOCUMENT["charts"]} >= REQUIRED_CHARTS


@pytest.mark.parametrize("chart", DOCUMENT["charts"], ids=lambda chart: chart["id"])
def test_every_chart_has_provenance(chart):
    assert "size chart" in chart["source"]
    assert "transcribed" in chart["source"]
    assert len(chart["source"]) <= 255  # size_charts.source
    assert chart["retrieved"] == "2026-11-26"
    assert chart["licence"]
    if "lorenzocermeno" in chart["source"]:
        assert chart["licence"].startswith("MIT")


def test_charts_file_carries_the_mit_notice_of_the_derived_charts():
    notice = "\n".join(DOCUMENT["notice"])

    assert "MIT License" in notice
    assert "Copyright (c) 2023 lorenzocermeno" in notice
    assert "The above copyright notice and this permission notice shall be included" in notice


def test_every_eu_value_is_within_15_and_55():
    assert all(Decimal("15") <= line.eu_value <= Decimal("55") for line in CHARTS)
    assert all(line.eu_value == line.eu_value.quantize(Decimal("0.1")) for line in CHARTS)


def test_every_chart_value_parses_back_to_itself():
    for line in CHARTS:
        parsed = parse_size_label(f"{line.region} {line.value}")

        assert parsed is not None, line
        assert (parsed.region, parsed.value) == (line.region, line.value)


def test_every_line_carries_its_charts_source():
    sources = {(chart["brand"], chart["gender_class"]): chart["source"] for chart in DOCUMENT["charts"]}

    assert all(line.source == sources[line.brand_slug, line.gender_class] for line in CHARTS)


def test_real_duplicates_of_the_nike_mens_chart_are_kept():
    def eu_values(region: str, value: str) -> list[Decimal]:
        return sorted(
            line.eu_value
            for line in CHARTS
            if (line.brand_slug, line.gender_class, line.region, line.value) == ("nike", "M", region, value)
        )

    assert eu_values("UK", "6") == [eu("39"), eu("40")]
    assert eu_values("CM", "23.5") == [eu("36.5"), eu("37.5")]
    assert eu_values("CM", "24") == [eu("38"), eu("38.5")]


def test_ragged_adidas_womens_us_list_is_aligned_from_its_first_size():
    assert decide("adidas", "US", "5", "W").eu_value == eu("36")
    assert decide("adidas", "US", "15.5", "W").eu_value == eu("50")
    assert decide("adidas", "UK", "15", "W").eu_value == eu("51.3")  # a row past the US list's end
    assert decide("adidas", "US", "16", "W").status is Status.UNKNOWN


def test_chart_aliases_match_the_charts_file():
    assert {brand: alias["uses_charts_of"] for brand, alias in DOCUMENT["brand_aliases"].items()} == CHART_ALIASES


def test_vocabularies_match_the_catalog_models():
    assert tuple(SizeRegion.values) == REGIONS
    assert tuple(GenderClass.values) == GENDER_CLASSES


def test_load_charts_refuses_a_chart_without_provenance(tmp_path):
    chart = {"brand": "x", "gender_class": "M", "columns": ["EU"], "rows": [["42"]], "retrieved": "2026-11-26"}
    path = tmp_path / "charts.json"
    path.write_text(json.dumps({"charts": [chart]}), encoding="utf-8")

    with pytest.raises(ValueError, match="'source' is missing"):
        load_charts(path)


def test_load_charts_refuses_an_eu_size_outside_15_to_55(tmp_path):
    chart = {
        "brand": "x",
        "gender_class": "M",
        "source": "X size chart, transcribed",
        "retrieved": "2026-11-26",
        "licence": "none",
        "columns": ["EU", "US"],
        "rows": [["56", "22"]],
    }
    path = tmp_path / "charts.json"
    path.write_text(json.dumps({"charts": [chart]}), encoding="utf-8")

    with pytest.raises(ValueError, match=r"not an EU size in 15\.\.55"):
        load_charts(path)
