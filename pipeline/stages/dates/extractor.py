"""Dates stage (``govnews_dates``): TIMEX3 extraction, then anchoring to the publication date.

Requires: ``doc._.lines`` (segment), ``doc._.published`` (set before the pipeline runs, or by segment)
and so ``doc._.anchor``. Assigns: ``doc.spans["date"]`` with ``span._.timex_type``,
``span._.timex_value``, ``span._.underspecified``, ``span._.anchor`` (the value of the anchor the
mention was resolved against, None when it needed none) and ``span._.rule`` (provenance: the rule id).

The stage in three modules (issue 19):

- ``finder.py``: rules of ``resources/rules.jsonl`` → ``Hit`` (span + ``timex.Partial``);
- ``resolver.py``: the anchor of each hit (the article's, or a local one) → ``timex.Resolved``;
- here: assembly, spans with their value, anchor and rule id.

Vocabulary and rules are read in ``vocabulary.py``; a rule naming a handler that does not exist
fails when the stage is built.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline import extensions  # noqa: F401  (registers doc._.anchor, span._.anchor ...)
from pipeline.extensions import raw_text
from pipeline.stages.dates.finder import DateExtractor, date_hits, handler_names
from pipeline.stages.dates.resolver import ArticleResolver
from pipeline.stages.dates.vocabulary import check_rules, convention_for

__all__ = ["GROUP", "DateExtractor", "DatesComponent", "convention_for", "make_dates"]

GROUP = "date"


class DatesComponent:
    def __init__(self, nlp: Language, name: str):
        check_rules(handler_names())      # an unknown handler or relative word fails here, with file and line
        self.name = name
        self.extractor = DateExtractor()

    def __call__(self, doc: Doc) -> Doc:
        from pipeline.stages.quantities.extractor import make_span

        self.extractor.conv = convention_for((doc._.jurisdiction or {}).get("code"))
        resolver = ArticleResolver(doc._.anchor)
        spans: list[Span] = []
        under = 0
        line_no, counted_to = 0, 0       # newlines before the hit, counted incrementally (hits come in text order)
        raw = raw_text(doc)  # Doc.text re-joins every token: read it once (issue 10)
        for hit, start, end in date_hits(doc, self.extractor):
            span = make_span(doc, start, end, "DATE")
            if span is None:
                continue
            if start < counted_to:
                line_no, counted_to = 0, 0
            line_no += raw.count("\n", counted_to, start)
            counted_to = start
            resolved, anchor = resolver.resolve(hit, line_no)
            span._.timex_type = resolved.timex_type
            span._.timex_value = resolved.value
            span._.underspecified = resolved.underspecified
            span._.anchor = anchor.value if anchor else None
            span._.rule = hit.rule
            under += resolved.underspecified
            spans.append(span)
        doc.spans[GROUP] = spans
        if under:
            doc._.flags = list(doc._.flags or []) + [f"dates-underspecified:{under}"]
        return doc


@Language.factory("govnews_dates", assigns=["doc.spans"], requires=["doc._.lines"])
def make_dates(nlp: Language, name: str) -> DatesComponent:
    return DatesComponent(nlp, name)
