"""The words around a date match: tense (is a bare month past or future?) and tallies (days counted as an amount).

Closed grammatical cues, kept in code as structure (issue 19): future markers and clause marks, the
past-verb shape before a date, the context in which "N days" counts days of good air rather than a
length of time, and the units after a year that make it a number ("2020 tons").
"""
from __future__ import annotations

import re
from bisect import bisect_left

CLAUSE_WINDOW = 200
_CLAUSE_MARKS = (".", ";", ":", ",", "\"", "“", "”", "``", "''")
_FUTURE_CLAUSE = re.compile(r"\b(will|shall|'ll|is to|are to|plans? to|set to|scheduled|due to|expected to|to be held|going to|next|coming|until)\b", re.I)
FUTURE_MARKERS = re.compile(r"\b(will|shall|plans?|planned|expected|aims?|aiming|to be held|upcoming|is due|are due|scheduled|going to|next)\b", re.I)
TALLY_CONTEXT = re.compile(r"(air quality|good air|good-air|excellent|good or|polluted|heav(y|ily) pollut|blue[- ]sky|compliance|fine days|sunny|rain(y|fall)|increase of|decrease of|more than the same|fewer|exceed(ed|ing)? the standard)", re.I)


class TenseReader:
    """Tense around a match, with a per-line index of sentence ends and future markers (issue 10)."""

    def __init__(self) -> None:
        self._index_cache: tuple[str, list[int], list[int], list[int]] | None = None

    def past(self, m: re.Match[str], line: str) -> bool:
        """Whether a month or day is said of the past: a past verb right before it, or no future marker in its sentence."""
        # A past participle or past verb right before the date decides ("released in November").
        before = line[max(0, m.start() - 40):m.start()]
        if re.search(r"\b(?:\w+ed|was|were|had|began|took|held|signed|issued|released|launched)\s+(?:in|on|since|by|from|during)?\s*$", before) \
                and not re.search(r"\b(?:will|shall|to)\s+(?:be\s+)?\w+ed\s+(?:in|on|by|from|during)?\s*$", before):
            return True                     # ... but "will be reviewed in February" is a future passive
        # The sentence around the date (from the last "." or ";" before it to the next ".") has no
        # future marker. Looked up in a per-line index, not rescanned for every date (issue 10);
        # markers cannot contain "." or ";", so this equals searching the sentence itself.
        dots, semis, markers = self._sentence_index(line)
        s = max(dots[bisect_left(dots, m.start()) - 1] if dots and dots[0] < m.start() else -1,
                semis[bisect_left(semis, m.start()) - 1] if semis and semis[0] < m.start() else -1) + 1
        i = bisect_left(dots, m.end())
        e = dots[i] if i < len(dots) else len(line)
        j = bisect_left(markers, s)
        return not (j < len(markers) and markers[j] < e)

    def weekday_past(self, m: re.Match[str], line: str) -> bool:
        """Past unless the clause of the weekday (between punctuation marks) speaks of the future.

        A weekday sits next to its verb ("left Tuesday", "will meet Bush on Thursday"), so the
        clause decides, not the whole sentence: "Iraq said on Tuesday that it would ..." is past.
        """
        # the clause is looked for within CLAUSE_WINDOW characters each side: a long line with many
        # weekdays then costs linear time, not quadratic (issue 10)
        lo, hi = max(0, m.start() - CLAUSE_WINDOW), min(len(line), m.end() + CLAUSE_WINDOW)
        start = max(max(line.rfind(c, lo, m.start()) for c in (*_CLAUSE_MARKS, " that ")) + 1, lo)
        ends = [i for i in (line.find(c, m.end(), hi) for c in (*_CLAUSE_MARKS, " that ")) if i >= 0]
        clause = line[start:min(ends) if ends else hi]
        return not _FUTURE_CLAUSE.search(clause)

    def _sentence_index(self, line: str) -> tuple[list[int], list[int], list[int]]:
        cached = self._index_cache
        if cached is None or cached[0] is not line:
            cached = (line, [i for i, c in enumerate(line) if c == "."], [i for i, c in enumerate(line) if c == ";"],
                      [mm.start() for mm in FUTURE_MARKERS.finditer(line)])
            self._index_cache = cached
        return cached[1], cached[2], cached[3]



def suffix_len(line: str, pos: int) -> int:
    m = re.match(r"(?:st|nd|rd|th)\b", line[pos:])
    return len(m.group(0)) if m else 0


_UNIT_AFTER = re.compile(r"\s*(?:tons?|tonnes?|yuan|kilometers?|km|meters?|square|cubic|mu|hectares?|percent|%|people|households|projects|cases|vehicles|units|enterprises|companies|sites|samples)\b", re.I)


def followed_by_unit(line: str, pos: int) -> bool:
    return bool(_UNIT_AFTER.match(line, pos))


def is_tally(line: str, m: re.Match[str], n: float | None) -> bool:
    """Days/hours counted as an amount of something (good-air days), not a length of time."""
    before = line[max(0, m.start() - 25):m.start()].lower()
    if re.search(r"\b(on|of)\s+$", before):
        return True                                   # "exceeded the standard on 18 days"
    if re.search(r"\b(within|for|in|after|over|under|last(ed|ing)?|lasting|takes?|took|about|nearly|up to|every|each|than)\s+$", before):
        if not re.search(r"(more|fewer|less) than\s+$", before):
            return False
    if n is not None and n >= 100:
        return True
    window = line[max(0, m.start() - 80):m.end() + 60]
    return bool(TALLY_CONTEXT.search(window)) and not re.search(r"\b(within|for)\s+$", before)

