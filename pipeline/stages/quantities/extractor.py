"""Quantities stage (``govnews_quantities``): numbers with magnitude, unit, bound, change, item.

Requires: ``doc._.lines`` (segment) and ``doc.spans["date"]`` (dates run first, so
date parts and durations are never read as quantities).
Assigns: ``doc.spans["quantity"]`` with ``span._.value / unit / bound / change / item /
si_value / si_unit / per / rule``.

This module is the spaCy component only; the work is split by responsibility:
- finder.py: a line → ``Found`` quantities (number cores found, filtered, extended, attached)
- filters.py: numbers that are no quantities; patterns.py: patterns built from resources/
- values.py: the value of a core; resolve.py: magnitude, unit and (here) money and SI
- attach.py: currency, bound, change, item, rate; ranges.py: the second number of a range
- provenance.py: the declared rule ids (resources/provenance.jsonl) a ``rule`` is made of
All words and units come from ``stages/quantities/resources/*.jsonl``.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline import extensions  # noqa: F401
from pipeline.extensions import raw_text
from pipeline.stages.quantities.finder import QuantityExtractor
from pipeline.stages.quantities.found import Found
from pipeline.stages.quantities.patterns import core_patterns
from pipeline.stages.quantities.resolve import resolve
from pipeline.stages.segment.lines import allowed_lines

__all__ = ["GROUP", "Found", "QuantitiesComponent", "QuantityExtractor", "core_patterns", "make_quantities",
           "make_span", "quantity_spans"]

GROUP = "quantity"


def quantity_spans(doc: Doc, extractor: QuantityExtractor) -> Iterator[tuple[Found, int, int]]:
    """Each quantity of the doc's allowed lines with its character offsets in the doc; dates block."""
    jurisdiction = (doc._.jurisdiction or {}).get("code")
    dates = sorted((s.start_char, s.end_char) for s in doc.spans.get("date", []))
    starts = [a for a, _ in dates]
    longest = max((b - a for a, b in dates), default=0)
    for line_start, line_end, line in allowed_lines(doc):
        near = dates[bisect_left(starts, line_start - longest):bisect_left(starts, line_end)]   # not all dates per line (issue 10)
        blocked = [(a - line_start, b - line_start) for a, b in near if a < line_end and b > line_start]
        for q in extractor.extract_line(line, blocked, jurisdiction):
            yield q, line_start + q.start, line_start + q.end


def make_span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    """A span for exact char offsets; keeps the offsets when they split a token."""
    span = doc.char_span(start, end, label=label)
    if span is None:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None:
            return None
        span._.exact = (start, end)
    return span


class QuantitiesComponent:
    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.extractor = QuantityExtractor()

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        raw = raw_text(doc)
        jurisdiction = (doc._.jurisdiction or {}).get("code")
        for q, start, end in quantity_spans(doc, self.extractor):
            span = make_span(doc, start, end, "QUANTITY")
            if span is None:
                continue
            resolved = resolve(q, raw[start:end], jurisdiction)
            span._.value = resolved.value
            span._.unit = resolved.unit
            span._.bound = q.bound
            span._.change = q.change
            span._.item = q.item if resolved.unit is None else None
            span._.per = q.per
            span._.si_value, span._.si_unit = resolved.si_value, resolved.si_unit
            span._.rule = resolved.rule
            spans.append(span)
        doc.spans[GROUP] = spans
        return doc


@Language.factory("govnews_quantities", assigns=["doc.spans"], requires=["doc._.lines", "doc.spans"])
def make_quantities(nlp: Language, name: str) -> QuantitiesComponent:
    return QuantitiesComponent(nlp, name)
