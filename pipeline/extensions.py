"""Doc and Span extension attributes shared by every stage.

Registered once, idempotently, on import. Span groups hold the mentions:
``doc.spans["quantity"]``, ``["date"]``, ``["agency"]``, ``["programme"]``.
"""
from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

SPAN_GROUPS = {"QUANTITY": "quantity", "DATE": "date", "AGENCY": "agency", "PROGRAMME": "programme"}

_DOC_ATTRS = {
    "doc_id": None,
    "published": None,          # ISO date "2024-09-05" or month "2024-09", the anchor for relative dates
    "published_basis": None,    # metadata / dateline / url / relative-release-time / content
    "retrieved": None,
    "meta": None,               # the input metadata dict, passed through
    "lines": None,              # list[dict(start, end, kind, rule)] for every line of the raw text
    "flags": None,              # list[str] of document-level conditions (e.g. "published-missing")
    "jurisdiction": None,       # {"code", "basis", "cue"}: where the article reports from (guide v1.2 money, dates)
    "template_lines": None,     # [{start, end, seen_in}]: lines earlier articles of the same source repeated (batch runs)
    "article_fields": None,     # {"title"|"byline"|"source"|"dateline_place": {"text","start","end","rule"} | None}
    "aliases": None,            # list[{"short","long","type","canonical","start","end"}]: acronym definitions (issue 25)
}
# Computed from other attributes, never stored: doc._.anchor is the parsed doc._.published (pipeline/anchor.py),
# so wherever the publication date is set (metadata, command line, text) the anchor follows it; without one,
# the retrieval day (basis "retrieved").
_DOC_GETTERS = {
    "anchor": lambda doc: _anchor_of(doc),
}
_SPAN_ATTRS = {
    "rule": None,               # id of the rule or model that produced the mention
    "exact": None,              # (start, end) char offsets when they do not fall on token boundaries
    "confidence": None,
    # QUANTITY
    "value": None, "unit": None, "per": None, "bound": None, "change": None, "item": None,
    "si_value": None, "si_unit": None,
    # DATE
    "timex_type": None, "timex_value": None, "underspecified": None,
    "anchor": None,             # the value of the anchor the DATE was resolved against ("2024-09-05"), None if it needed none
    # AGENCY / PROGRAMME
    "canonical": None, "prog_kind": None,
}


def register() -> None:
    for name, default in _DOC_ATTRS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    for name, getter in _DOC_GETTERS.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, getter=getter)
    for name, default in _SPAN_ATTRS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


def _anchor_of(doc: Doc) -> Any:
    from pipeline.anchor import parse_anchor   # imported here: pipeline.anchor imports the segment stage

    anchor = parse_anchor(doc._.published, doc._.published_basis)
    if anchor is None and doc._.retrieved:
        # No publication date given or stated: the day the page was retrieved is the next best anchor
        # (a page is published on or before it; "last year" read in the year of retrieval), never the
        # clock; each DATE records the anchor it used, so basis "retrieved" is visible in the record.
        anchor = parse_anchor(doc._.retrieved, "retrieved")
    return anchor


RAW_TEXT = "govnews.raw_text"


def raw_text(doc: Doc) -> str:
    """The article text. ``Doc.text`` re-joins every token on each access (issue 10: it was read
    several times per stage); ``make_doc`` stores the text once in ``doc.user_data``."""
    text = doc.user_data.get(RAW_TEXT)
    if text is None:
        text = doc.user_data[RAW_TEXT] = doc.text
    return text


def char_bounds(span: Span) -> tuple[int, int]:
    """Exact character offsets of a mention into the raw text."""
    return span._.exact if span._.exact is not None else (span.start_char, span.end_char)


register()
