"""Where and how the optional learned NER adds names to the rules (names stage, issue 25).

Two scopes (``model_scope`` of the ``govnews_names`` component):

- ``all``: the NER reads the whole article; every AGENCY or PROGRAMME entity that overlaps no rule
  hit is added (the issue-7 hook; on leave-family-out it cost AGENCY precision, docs/names_models.md).
- ``programme``: the NER reads only where it can matter — a window of a few words around each
  capitalised run of two or more name tokens, or quoted span, that no rule hit covers, on the
  name lines — and only its PROGRAMME entities that overlap no rule hit are kept. The rules stay
  the agency recogniser (the model lowered AGENCY when merged), and the model reads about a tenth
  of the text (its cost was reading every line: 2.4× en_core_web_sm, under the 4× floor).

The model's PROGRAMME spans pass the same shape tests as a rule-found headless programme
(``plausible_programme``: word lists from ``heads.jsonl`` via ``lexicon.py``).

Structure kept in code: what a "capitalised run" is (``candidates.NAME_TOKEN`` joined by the name
connectors, at least two tokens) and a quoted span; no word lists.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterable, Literal

from spacy.language import Language

from pipeline.stages.names.candidates import NAME_TOKEN, QUOTED_RE, NameHit
from pipeline.stages.names.lexicon import NameLexicon

Scope = Literal["all", "programme"]
SCOPES: tuple[str, ...] = ("all", "programme")
MODEL_RULE = "names_spacy_ner"

# Two or more name tokens joined by a space or a name connector: the shape a headless programme
# name has ("Jobs for Nature", "Clean Air Zone"); a lone capitalised word (a sentence start) is not.
CAPITALISED_RUN = re.compile(rf"{NAME_TOKEN}(?:(?:\s+|-)(?:(?:and|of|for|the|on|in|&|'s|’s|de)\s+){{0,3}}{NAME_TOKEN})+")

# Two single words joined by "and": a pair of places or people, not one programme's name.
PAIR = re.compile(r"\S+\s+(?:and|&)\s+\S+")
# The joints of a coordination: a comma (with an optional "and"), or "and"/"&" between two names.
COORDINATION = re.compile(r",\s+(?:and\s+)?(?:the\s+)?|\s+(?:and|&)\s+(?:the\s+)?")
WORD = re.compile(r"\S+")
# An acronym in brackets right after a name: the name is defined, and the acronym pass types it or
# leaves it out ("Gross Ecosystem Product (GEP)"); the model does not overrule it.
DEFINED_AFTER = re.compile(r"\s*\(\s*[A-Z][A-Za-z&.\-]*[A-Z][a-z]?s?\s*\)")
WINDOW_JOINT = "\n\n"     # between two windows in the one Doc the model reads
WINDOW_WORDS = 2         # context words read either side of a run (four gave the same F1 on leave-family-out, and cost more)


def _covered(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    """True when a rule hit already covers [start, end) entirely."""
    return any(s <= start and end <= e for s, e in taken)


def _overlaps(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def _uncovered_runs(lex: NameLexicon, line_start: int, line: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of the line's capitalised runs (≥ 2 tokens) and quoted spans that no rule hit covers,
    without a leading article ("The" before a rule's "Ministry of ..."), and only where such a part
    could itself be a programme name (``plausible_programme``: places, bodies, single words are
    left to the rules). Line offsets."""
    out: list[tuple[int, int]] = []
    for pattern in (CAPITALISED_RUN, QUOTED_RE):
        for m in pattern.finditer(line):
            a, b = m.start(), m.end()
            cuts = sorted((max(a, s - line_start), min(b, e - line_start)) for s, e in taken
                          if s - line_start < b and a < e - line_start)
            pieces, cur = [], a
            for s, e in cuts:
                if s > cur:
                    pieces.append((cur, s))
                cur = max(cur, e)
            if cur < b:
                pieces.append((cur, b))
            for s, e in pieces:
                lead = lex.leading_article_re.match(line, s, e)
                s = lead.end() if lead else s
                if s < e and plausible_programme(lex, line[s:e]):
                    out.append((s, e))
    return out


def model_windows(lex: NameLexicon, line_start: int, line: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of a line the NER reads: each uncovered run with WINDOW_WORDS words of context on
    either side (the words that govern a programme: "under", "funded by", "launched"), overlapping
    stretches merged. Line offsets. The NER's token features reach four tokens either side (its CNN
    is four layers of window 1), so a run's edges see a little less than in the whole line; on
    leave-family-out two words of margin scored as four and as whole lines (docs/names_models.md)."""
    spans = sorted(_uncovered_runs(lex, line_start, line, taken))
    if not spans:
        return []
    word_starts = [m.start() for m in WORD.finditer(line)]
    word_ends = [m.end() for m in WORD.finditer(line)]
    windows: list[tuple[int, int]] = []
    for a, b in spans:
        i = max(0, bisect_right(word_starts, a) - 1 - WINDOW_WORDS)
        j = min(len(word_ends) - 1, bisect_left(word_ends, b) + WINDOW_WORDS)
        start, end = word_starts[i], word_ends[j]
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def plausible_programme(lex: NameLexicon, text: str) -> bool:
    """The tests a rule-found headless programme passes too (``NameExtractor._governed_programme``), applied
    to the model's span: a proper name of two or more capitalised words or numbers ("Euro 6", "Jobs for
    Nature"; a lower-case phrase is generic by the guide, one word is a back-reference or a bare acronym
    the acronym pass types), at most eight words (longer ones are title-case headlines), no body's head
    noun, no place word ("River", "Basin"), not all places, not a pair of single words joined by "and",
    not led by an event word, no person title
    ("Environment Minister Rachel Moana") and no calendar word ("Kano on Saturday")."""
    words = lex.words(text)
    proper = [w for w in words if w[:1].isupper() or w[:1].isdigit()]
    if len(proper) < 2 or len(words) > 8:
        return False
    if lex.has_agency_head(text) or any(w in lex.place_words for w in words):
        return False
    if all(w in lex.places for w in proper) or words[0] in lex.event_words:
        return False
    if PAIR.fullmatch(text):
        return False            # "Chengdu and Chongqing", "Caballero and Skinner": two places or people
    calendar = lex.lists["calendar_word"]
    if any(w in lex.person_titles or w in calendar for w in words):
        return False
    return True


def programme_hits(ner: Language, lex: NameLexicon, lines: Iterable[tuple[int, int, str]],
                   taken: list[tuple[int, int]]) -> list[NameHit]:
    """PROGRAMME entities of the NER on the lines that may hold one, overlapping no rule hit and
    shaped like a proper programme name (``plausible_programme``)."""
    chosen = [(s + a, text[a:b]) for s, _, text in lines for a, b in model_windows(lex, s, text, taken)]
    if not chosen:
        return []
    # One Doc of all the windows, a blank line between two: the model's cost is mostly per Doc, not
    # per word, at these sizes (a Doc per window was twice as slow). An entity never crosses a window.
    joined, where = "", []
    for offset, text in chosen:
        where.append((len(joined), offset))
        joined += text + WINDOW_JOINT
    starts = [w for w, _ in where]
    hits: list[NameHit] = []
    for ent in ner(joined).ents:
        i = bisect_right(starts, ent.start_char) - 1
        local, offset = where[i]
        if ent.label_ != "PROGRAMME" or ent.end_char > local + len(chosen[i][1]):
            continue
        if DEFINED_AFTER.match(joined, ent.end_char):
            continue                # "Hill Top Estate (HTE)": typing a definition is the acronym pass's call
        start, end = offset + ent.start_char - local, offset + ent.end_char - local
        if not _overlaps(start, end, taken) and plausible_programme(lex, ent.text):
            hits.extend(NameHit(start + a, start + b, "PROGRAMME", None,
                                lex.programme_head(ent.text[a:b]) or "project", MODEL_RULE)
                        for a, b in coordinated_parts(lex, ent.text))
    return hits


def coordinated_parts(lex: NameLexicon, text: str) -> list[tuple[int, int]]:
    """A list of programmes is one mention each ("Advanced Clean Cars II and Advanced Clean Fleets",
    "Sustainable Farming Incentive, Countryside Stewardship and Landscape Recovery"; issue 25 point 2):
    split at commas and "and" when every part is a programme name by itself; otherwise the "and" is
    inside one name ("Climate and Air Quality Planning Competition")."""
    cuts = list(COORDINATION.finditer(text))
    if not cuts:
        return [(0, len(text))]
    bounds = [0] + [x for m in cuts for x in (m.start(), m.end())] + [len(text)]
    parts = list(zip(bounds[::2], bounds[1::2]))
    if all(plausible_programme(lex, text[a:b]) for a, b in parts):
        return parts
    return [(0, len(text))]


def all_hits(ner: Language, text: str) -> list[NameHit]:
    """Every AGENCY or PROGRAMME entity of the NER over the whole text (scope ``all``)."""
    return [NameHit(e.start_char, e.end_char, e.label_, None, None, MODEL_RULE) for e in ner(text).ents
            if e.label_ in ("AGENCY", "PROGRAMME")]
