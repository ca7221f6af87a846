"""The title given with the input names the title line (pipeline/stages/segment/title_hint.py)."""
from __future__ import annotations

from pipeline.stages.segment.title_hint import RULE_ID, title_line

PAGE = ["Skip to main content", "Home | News | Environment", "Share", "Coastal wetlands plan gets 40 million",
        "The regional council approved a plan on Monday to restore 1,200 hectares of coastal wetlands by 2030.",
        "Related: Coastal wetlands plan gets 40 million in new funding next year, council says"]


def test_exact_title_after_normalising_case_quotes_and_spaces():
    assert title_line(PAGE, "“coastal  Wetlands plan gets 40 million”") == 3


def test_site_name_after_a_separator_on_either_side():
    assert title_line(PAGE, "Coastal wetlands plan gets 40 million | Regional Council") == 3
    assert title_line(["Menu", "Coastal wetlands plan gets 40 million - Regional Council", "Text."],
                      "Coastal wetlands plan gets 40 million") == 1


def test_no_line_says_it():
    assert title_line(PAGE, "Council budget passes") is None
    assert title_line(PAGE, "") is None and title_line(PAGE, None) is None


def test_a_line_that_only_contains_it_is_not_the_title():
    # the related-link line holds the title's words and more: it is not the title line
    assert title_line(PAGE[5:], "Coastal wetlands plan gets 40 million") is None


def test_pipeline_uses_the_input_title_and_says_so(nlp):
    from pipeline.nlp import build, make_doc

    text = "\n".join(PAGE)
    doc = nlp(make_doc(nlp, text, {"doc_id": "t", "title": "Coastal wetlands plan gets 40 million"}))
    titles = [ln for ln in doc._.lines if ln["kind"] == "title"]
    assert len(titles) == 1 and text[titles[0]["start"]:titles[0]["end"]] == PAGE[3]
    assert titles[0]["rule"] == RULE_ID
    off = build(overrides={"components.govnews_segment.title_from_input": False})
    doc = off(make_doc(off, text, {"doc_id": "t", "title": "Coastal wetlands plan gets 40 million"}))
    assert all(ln["rule"] != RULE_ID for ln in doc._.lines)
