"""Where and how the optional learned NER adds names to the rules (names stage, issue 25).

Two scopes (``model_scope`` of the ``govnews_names`` component):

- ``all``: the NER reads the whole article; every AGENCY or PROGRAMME entity that overlaps no rule
  hit is added (the issue-7 hook; on leave-family-out it cost AGENCY precision, docs/names_models.md).
- ``programme``: the NER reads only the name lines where it can matter — lines holding a
  capitalised run of two or more name tokens, or a quoted span, that no rule hit covers — and only
  its PROGRAMME entities that overlap no rule hit are kept. The rules stay the agency recogniser
  (the model lowered AGENCY when merged) and the model reads a fraction of the text, which is what
  its cost was (it read every line).

Structure kept in code: what a "capitalised run" is (``candidates.NAME_TOKEN`` joined by the name
connectors, at least two tokens) and a quoted span; no word lists.
"""
from __future__ import annotations

import re
from typing import Iterable, Literal

from spacy.language import Language

from pipeline.stages.names.candidates import NAME_TOKEN, QUOTED_RE, NameHit

Scope = Literal["all", "programme"]
SCOPES: tuple[str, ...] = ("all", "programme")
MODEL_RULE = "names_spacy_ner"

# Two or more name tokens joined by a space or a name connector: the shape a headless programme
# name has ("Jobs for Nature", "Clean Air Zone"); a lone capitalised word (a sentence start) is not.
CAPITALISED_RUN = re.compile(rf"{NAME_TOKEN}(?:(?:\s+|-)(?:(?:and|of|for|the|on|in|&|'s|’s|de)\s+){{0,3}}{NAME_TOKEN})+")


def _covered(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    """True when a rule hit already covers [start, end) entirely."""
    return any(s <= start and end <= e for s, e in taken)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def line_may_hold_programme(line_start: int, line: str, taken: list[tuple[int, int]]) -> bool:
    """A line is worth the NER's time when it holds a capitalised run of ≥ 2 tokens, or a quoted span,
    that the rule hits do not already cover (the model's span could only be dropped there)."""
    for pattern in (CAPITALISED_RUN, QUOTED_RE):
        for m in pattern.finditer(line):
            if not _covered(line_start + m.start(), line_start + m.end(), taken):
                return True
    return False


def programme_hits(ner: Language, lines: Iterable[tuple[int, int, str]], taken: list[tuple[int, int]]) -> list[NameHit]:
    """PROGRAMME entities of the NER on the lines that may hold one, overlapping no rule hit."""
    chosen = [(s, text) for s, _, text in lines if line_may_hold_programme(s, text, taken)]
    hits: list[NameHit] = []
    for (offset, _), ner_doc in zip(chosen, ner.pipe(text for _, text in chosen)):
        for ent in ner_doc.ents:
            start, end = offset + ent.start_char, offset + ent.end_char
            if ent.label_ == "PROGRAMME" and not _overlaps(start, end, taken):
                hits.append(NameHit(start, end, "PROGRAMME", None, None, MODEL_RULE))
    return hits


def all_hits(ner: Language, text: str) -> list[NameHit]:
    """Every AGENCY or PROGRAMME entity of the NER over the whole text (scope ``all``)."""
    return [NameHit(e.start_char, e.end_char, e.label_, None, None, MODEL_RULE) for e in ner(text).ents
            if e.label_ in ("AGENCY", "PROGRAMME")]
