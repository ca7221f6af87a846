"""Acronym and alias definitions (issue 25): the Schwartz–Hearst module alone, then through the names stage."""
from __future__ import annotations

import pytest

from pipeline.stages.names.acronyms import best_long_form, find_definitions, valid_short_form


def _defs(text):
    return [(d.short, d.long, d.direction) for d in find_definitions(text)]


@pytest.mark.parametrize("text, expected", [
    # long form (SF), the paper's direction
    ("The California Air Resources Board (CARB) approved the rule.",
     [("CARB", "California Air Resources Board", "long-short")]),
    # a comma list inside the long form, an article before it
    ("the Department of Forestry, Fisheries and the Environment (DFFE) said",
     [("DFFE", "Department of Forestry, Fisheries and the Environment", "long-short")]),
    # SF (long form), the reverse direction
    ("CARB (California Air Resources Board) approved the rule.",
     [("CARB", "California Air Resources Board", "short-long")]),
    ("funds from the RMF (the Recycling Modernisation Fund) went to",
     [("RMF", "Recycling Modernisation Fund", "short-long")]),
    # a two-word short form and a short form in mixed case
    ("the Just Energy Transition Investment Plan (JET IP) sets", [("JET IP", "Just Energy Transition Investment Plan", "long-short")]),
    ("South African National Parks (SANParks) lost 78 rhino", [("SANParks", "South African National Parks", "long-short")]),
    # text after a comma inside the brackets is not part of the short form
    ("the Clean Energy Regulator (CER, the scheme's administrator) said", [("CER", "Clean Energy Regulator", "long-short")]),
])
def test_definitions_both_directions(text, expected):
    assert _defs(text) == expected


@pytest.mark.parametrize("text", [
    "The plant emitted 12 tonnes (2023) of dust.",            # a year is no short form
    "fine particulate matter (PM2.5) fell",                    # '2', '5' are not in the long form
    "a level of 40 parts per million (ppm) was found",         # no capital: not a name's short form
    "the rule (see below) applies",                            # no short-form shape, no long-form match
    "Minister Barbara Creecy (pictured) said",                 # lower-case, and no match
    "The agency (EPA) said",                                   # E-P-A not spelled by 'agency'
])
def test_no_definition(text):
    assert _defs(text) == []


def test_best_long_form_is_the_shortest_matching_suffix():
    # Schwartz & Hearst, Fig. 2: characters matched right to left, the first one at a word start
    long = "the new Heat Shock Protein"
    start = best_long_form("HSP", long)
    assert long[start:] == "Heat Shock Protein"
    assert best_long_form("HSP", "a protein of heat") is None


def test_short_form_conditions():
    assert valid_short_form("EPA") and valid_short_form("NZ ETS") and valid_short_form("MfE")
    assert not valid_short_form("a") and not valid_short_form("2024") and not valid_short_form("ppm")
    assert not valid_short_form("This is three words")


# -- through the names stage ---------------------------------------------------------------------

def _names(nlp, text, published="2024-05-01"):
    from pipeline.nlp import make_doc
    from pipeline.execution.isolation import run_stages
    from pipeline.io.writer import to_record

    doc = make_doc(nlp, text, {"doc_id": "t", "published": published})
    run_stages(nlp, doc)
    rec = to_record(doc)
    return [(m["type"], m["text"], m.get("canonical")) for m in rec["mentions"] if m["type"] in ("AGENCY", "PROGRAMME")], rec


def test_definition_gives_two_mentions_one_key_and_links_later_uses(nlp):
    text = ("Officials said the Nigeria Hydrological Services Agency (NIHSA) released its outlook on Monday.\n"
            "NIHSA said 31 states face a high risk of flooding.")
    names, rec = _names(nlp, text)
    assert [(t, x) for t, x, _ in names] == [("AGENCY", "Nigeria Hydrological Services Agency"), ("AGENCY", "NIHSA"),
                                             ("AGENCY", "NIHSA")]
    assert len({k for _, _, k in names}) == 1
    assert rec["aliases"] == [{"short": "NIHSA", "long": "Nigeria Hydrological Services Agency", "type": "AGENCY",
                               "canonical": names[0][2], "start": text.index("Nigeria"), "end": text.index(")")}]


def test_reverse_definition_and_headless_long_form_classified_by_context(nlp):
    text = ("LINZ (Land Information New Zealand) said the survey was complete.\n"
            "LINZ will publish the maps next month.")
    names, rec = _names(nlp, text)
    assert [(t, x) for t, x, _ in names] == [("AGENCY", "LINZ"), ("AGENCY", "Land Information New Zealand"),
                                             ("AGENCY", "LINZ")]
    assert len({k for _, _, k in names}) == 1


def test_programme_acronym(nlp):
    text = ("Grants come from the Recycling Modernisation Fund (RMF).\n"
            "Under the RMF, 12 projects were funded.")
    names, _ = _names(nlp, text)
    assert [(t, x) for t, x, _ in names] == [("PROGRAMME", "Recycling Modernisation Fund"), ("PROGRAMME", "RMF"),
                                             ("PROGRAMME", "RMF")]


def test_two_bodies_sharing_an_acronym_keep_two_keys(nlp):
    # the gazetteer's EPA is the US agency; this article defines another body with the same acronym
    names, _ = _names(nlp, "The Environmental Protection Authority (EPA) said the permit stands.\nThe EPA will appeal.")
    nz = {k for t, x, k in names}
    names_us, _ = _names(nlp, "The EPA said the permit stands.")
    assert len(nz) == 1 and nz.isdisjoint({k for _, _, k in names_us})


def test_non_name_definitions_are_not_mentions(nlp):
    names, rec = _names(nlp, "Fine particulate matter (PM2.5) and new energy vehicles (NEVs) were discussed, "
                             "and the Gross Ecosystem Product (GEP) rose.")
    assert names == [] and "aliases" not in rec


# -- chrome read as names (issue 25): by the lines' shape, whatever kind the segmenter gave them -----------

def _body_doc(nlp, text):
    """A doc whose every line the segmenter left body, so only the names stage's own chrome test can help."""
    from pipeline.nlp import make_doc

    doc = make_doc(nlp, text, {"doc_id": "t", "published": None})
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append({"start": pos, "end": pos + len(line), "kind": "body", "rule": "test"})
        pos += len(line) + 1
    doc._.lines = lines
    return doc


def test_menu_and_contact_blocks_are_not_read_for_names(nlp):
    from pipeline.stages.names.name_lines import name_lines

    text = ("The Coastal Management Board approved the dune plan on Monday.\n\nContact us\nWater Services Authority\n"
            "Terms of Service\nPrivacy Policy\n\nMedia contact:\nOffice of Communications\n(916) 555-0142\n\n"
            "Home | Board of Water Supply | Projects | Rates | Careers")
    kept = [line for _, _, line in name_lines(_body_doc(nlp, text))]
    assert kept == ["The Coastal Management Board approved the dune plan on Monday."]


def test_a_short_heading_alone_is_not_chrome(nlp):
    from pipeline.stages.names.name_lines import name_lines

    text = "The minister spoke about rivers.\n\nEnvironment Protection Authority fines\n\nThe fines were the largest."
    kept = [line for _, _, line in name_lines(_body_doc(nlp, text)) if line]
    assert "Environment Protection Authority fines" in kept


def test_record_with_aliases_is_schema_valid(nlp):
    from pipeline.io.schema import errors as schema_errors

    _, rec = _names(nlp, "The Climate Change Authority (CCA) said the target holds.")
    assert rec["aliases"][0]["short"] == "CCA" and not schema_errors(rec)
    bad = {**rec, "aliases": [{"short": "CCA", "long": "Climate Change Authority", "start": -1, "end": 3}]}
    assert schema_errors(bad)


def test_every_cue_designation_and_chrome_example_yields_its_rule(nlp):
    """The data files' examples prove their rows (issue 19): a cue classifies its example's name
    (names_programme_cue:<id> or names_acronym_cue:<id>), a designation finds its example
    (names_<id>), a chrome pattern marks its example line as chrome (no mention comes from it)."""
    import re

    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record
    from pipeline.resources import load_rows
    from pipeline.stages.names.name_lines import is_chrome_line

    def rules(text: str) -> set[str]:
        record = to_record(nlp(make_doc(nlp, text, {"doc_id": "example", "published": "2024-05-01"})))
        return {m["rule"] for m in record["mentions"] if m["type"] in ("AGENCY", "PROGRAMME")}

    for row in load_rows("names", "cues"):
        got = rules(row["example"])
        assert any(f"cue:{row['id']}" in r for r in got), (row["id"], got)
    for row in load_rows("names", "designations"):
        assert f"names_{row['id']}" in rules(row["example"]), row["id"]
    for row in load_rows("names", "chrome"):
        assert re.search(row["pattern"], row["example"], re.I) and is_chrome_line(row["example"]), row["id"]
        assert not rules(row["example"]), row["id"]
