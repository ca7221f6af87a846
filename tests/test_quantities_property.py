"""Property test: random numbers rendered with random units and bound words round-trip to the
same value, unit and bound through the quantities stage."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

UNITS = [("%", "%"), ("percent", "%"), ("μg/m3", "ug/m3"), ("micrograms per cubic meter", "ug/m3"), ("mg/L", "mg/L"),
         ("tons", "t"), ("tonnes", "t"), ("mu", "mu"), ("hectares", "ha"), ("square kilometers", "km2"),
         ("kilometers", "km"), ("cubic meters", "m3"), ("kWh", "kWh"), ("MW", "MW"), ("yuan", "CNY"),
         ("percentage points", "pp"), ("GW", "GW"), ("acres", "acre")]
BOUNDS = [("", "="), ("more than ", ">"), ("over ", ">"), ("nearly ", "~"), ("about ", "~"), ("at least ", ">="),
          ("up to ", "<="), ("less than ", "<"), ("exceeded ", ">")]
MAGNITUDES = [("", 1), (" million", 1e6), (" billion", 1e9)]


def render(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=999_999), st.integers(min_value=0, max_value=2),
       st.sampled_from(UNITS), st.sampled_from(BOUNDS), st.sampled_from(MAGNITUDES))
def test_quantities_roundtrip_value_unit_bound(nlp, integer, decimals, unit, bound, magnitude):
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    value = integer / (10 ** decimals)
    number = render(value, decimals)
    surface_unit, canonical = unit
    bound_words, symbol = bound
    mag_word, factor = magnitude
    if 1900 <= value <= 2100 and decimals == 0 and not mag_word:
        value += 3000                                   # a bare year is a DATE by design, not a quantity
        number = render(value, 0)
    text = f"The district reported {bound_words}{number}{mag_word} {surface_unit} in the survey."
    rec = to_record(nlp(make_doc(nlp, text, {"doc_id": "prop", "published": "2024-05"})))
    quantities = [m for m in rec["mentions"] if m["type"] == "QUANTITY"]
    assert len(quantities) == 1, (text, quantities)
    q = quantities[0]
    assert math.isclose(q["value"], value * factor, rel_tol=1e-6), (text, q)
    assert q["unit"] == canonical, (text, q)
    assert q["bound"] == symbol, (text, q)
    assert bound_words.strip() not in q["text"] or not bound_words


SEPARATORS = [",", " ", "\u00a0", "\u2009", "\u202f", "'"]


@settings(max_examples=120, deadline=None)
@given(st.integers(min_value=1000, max_value=999_999_999), st.sampled_from(SEPARATORS),
       st.sampled_from([None, "ZA", "DE", "US"]), st.integers(min_value=0, max_value=2))
def test_grouped_thousands_and_decimal_comma_roundtrip(nlp, integer, sep, jurisdiction, decimals):
    """Thousands grouped by any separator the guide names read back to the same value; where the
    jurisdiction writes a decimal comma (ZA, DE), a comma before one or two digits is the decimal mark."""
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    grouped = f"{integer:,}".replace(",", sep)
    value = float(integer)
    if decimals and jurisdiction in ("ZA", "DE") and sep != ",":
        frac = "5" if decimals == 1 else "25"
        grouped += "," + frac
        value += float("0." + frac)
    text = f"The district treated {grouped} tonnes of waste in the survey."
    meta = {"doc_id": "prop", "published": "2024-05"}
    if jurisdiction:
        meta["jurisdiction"] = jurisdiction
    rec = to_record(nlp(make_doc(nlp, text, meta)))
    quantities = [m for m in rec["mentions"] if m["type"] == "QUANTITY"]
    assert len(quantities) == 1, (text, quantities)
    assert math.isclose(quantities[0]["value"], value, rel_tol=1e-9), (text, quantities)
    assert quantities[0]["text"] == f"{grouped} tonnes", (text, quantities)


# Provenance (issue 19): every rule id a QUANTITY's `rule` is made of is declared in
# stages/quantities/resources/provenance.jsonl with an example; each example must yield it.
def _provenance_rows() -> list[dict]:
    from pipeline.resources import load_rows

    return list(load_rows("quantities", "provenance"))


@pytest.mark.parametrize("row", _provenance_rows(), ids=lambda row: row["id"])
def test_provenance_example_yields_its_rule_id(nlp, row):
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    rec = to_record(nlp(make_doc(nlp, row["example"], {"doc_id": "prov", "published": "2024-05"})))
    rules = [m["rule"] for m in rec["mentions"] if m["type"] == "QUANTITY"]
    assert any(row["id"] in rule.split("+") for rule in rules), (row, rules)


def test_an_undeclared_rule_part_cannot_be_tagged():
    from pipeline.stages.quantities.found import Found

    with pytest.raises(KeyError, match="provenance.jsonl"):
        Found(0, 1, 1.0, rule="q_digits").tag("no_such_part")


def test_an_unknown_word_type_fails_at_load_time_naming_file_and_line(tmp_path, monkeypatch):
    import pipeline.resources as resources
    from pipeline.stages.quantities.numerals import WORD_TYPES

    source = resources.resource_path("quantities", "words").read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "qcopy" / "resources"
    folder.mkdir(parents=True)
    (folder / "words.jsonl").write_text("\n".join(source[:3] + ['{"type": "numbr", "surface": "x", "value": 1}']) + "\n",
                                        encoding="utf-8")
    monkeypatch.setattr(resources, "STAGES_DIR", tmp_path)
    with pytest.raises(resources.ResourceError, match=r"words\.jsonl:4: unknown type 'numbr'"):
        resources.load_groups("qcopy", "words", "type", WORD_TYPES)
