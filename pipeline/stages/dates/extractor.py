"""Dates stage (``govnews_dates``): TIMEX3 extraction, then anchoring to ``published``.

Requires: ``doc._.lines`` (segment), ``doc._.published`` (set before the pipeline runs).
Assigns: ``doc.spans["date"]`` with ``span._.timex_type``, ``span._.timex_value``,
``span._.underspecified`` and ``span._.rule``.

Step 1 (here): headed regex rules from ``resources/dates/rules.jsonl``, built from the
named fragments of ``lexicon.jsonl``, find spans and emit a ``timex.Partial``.
Step 2 (``timex.resolve``): a pure function applies the publication date. Spans are
chosen leftmost-longest; durations that are tallies ("316 days" of good air) are left
to the quantities stage.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Callable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.extensions import raw_text
from pipeline import extensions  # noqa: F401
from pipeline.stages.quantities.numerals import fragments as number_fragments
from pipeline.stages.quantities.numerals import parse_number
from pipeline.resources import load_rows
from pipeline.stages.segment.lines import allowed_lines
from pipeline.stages.dates.timex import Partial, Resolved, parse_anchor, resolve

GROUP = "date"
UNIT_CODES = {"Y": "Y", "M": "M", "W": "W", "D": "D", "DE": "DE", "CE": "CE", "Q": "Q", "H": "H", "MIN": "MIN"}
ORD_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
             "5th": 5, "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10, "final": 4, "last": 4, "latter": 2}
DEICTIC_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}   # day offsets from the anchor
CLAUSE_WINDOW = 200
_CLAUSE_MARKS = (".", ";", ":", ",", "\"", "“", "”", "``", "''")
_FUTURE_CLAUSE = re.compile(r"\b(will|shall|'ll|is to|are to|plans? to|set to|scheduled|due to|expected to|to be held|going to|next|coming|until)\b", re.I)
FUTURE_MARKERS = re.compile(r"\b(will|shall|plans?|planned|expected|aims?|aiming|to be held|upcoming|is due|are due|scheduled|going to|next)\b", re.I)
TALLY_CONTEXT = re.compile(r"(air quality|good air|good-air|excellent|good or|polluted|heav(y|ily) pollut|blue[- ]sky|compliance|fine days|sunny|rain(y|fall)|increase of|decrease of|more than the same|fewer|exceed(ed|ing)? the standard)", re.I)


@lru_cache(maxsize=1)
def lexicon() -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for row in load_rows("dates", "lexicon"):
        table.setdefault(row["list"], {})[row["surface"]] = row["value"]
    return table


def _alt(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def date_fragments() -> dict[str, str]:
    lex = lexicon()
    full = [m.capitalize() for m in lex["month"] if len(m) > 4 or m in ("may", "june", "july")]
    abbrev = [m.capitalize() for m in lex["month"] if m not in [f.lower() for f in full]]
    nf = number_fragments()
    return {
        # full names, or abbreviations with an optional dot ("Dec. 4", "Sept 30"); a full name never eats a full stop
        "monthcap": rf"(?<![A-Za-z])(?:(?:{_alt(full)})(?![a-z])|(?:{_alt(abbrev)})(?![a-z])\.?)",
        "day": r"(?:[12]\d|3[01]|0?[1-9])",
        "year": r"(?:1[89]\d\d|20\d\d|2100)",
        "relyear": r"(?:this|last|next)\s+year",
        # a number starts where a digit run starts: without the lookbehind "1,000,000,..." backtracks quadratically (issue 10)
        "num": rf"(?:(?<![\d,.])\d{{1,3}}(?:,\d{{3}})*(?:\.\d+)?|{nf['spelled']})",
        "unit": _alt(lex["unit"]),
        "season": _alt(lex["season"]),
        "weekday": "|".join(w.capitalize() for w in lex["weekday"]),
        "holiday": _alt(lex["holiday"]),
        "set": _alt(lex["set"]),
        "ordword": _alt(list(ORD_WORDS)),
        "tz": "|".join(sorted(lex.get("timezone", {}), key=len, reverse=True)),
        # a clock time after a numeric or ISO date ("30/11/2023 2:00 pm AEDT", "2023-10-09 10:12:30",
        # "11/08/2024 at 6:05 p.m."): the date becomes a TIME; the zone stays inside the span, out of the value
        "clocktail": (r"(?:,?\s+(?:at\s+)?(?P<ch>[01]?\d|2[0-3])"
                      r"(?::(?P<cmin>[0-5]\d)(?::(?P<csec>[0-5]\d))?(?:\s*(?P<cap>a\.m\.|p\.m\.|am|pm|AM|PM)(?![A-Za-z]))?"
                      r"|\.(?P<cmin2>[0-5]\d)\s*(?P<cap2>a\.m\.|p\.m\.|am|pm|AM|PM)(?![A-Za-z])"
                      r"|\s*(?P<cap3>a\.m\.|p\.m\.|am|pm|AM|PM)(?![A-Za-z]))"
                      rf"(?:\s+(?P<ctz>(?:{'|'.join(sorted(lex.get('timezone', {}), key=len, reverse=True))})(?:[+-]\d{{1,2}}(?::?\d\d)?)?)(?![A-Za-z]))?)?"),
    }


@dataclass(frozen=True)
class Rule:
    id: str
    handler: str
    regex: re.Pattern[str]
    requires: tuple[str, ...] = ()


# Cheap cues: a rule runs on a line only when one of its cues occurs there. Most lines of
# news carry no month, weekday or season, so most rules are skipped without scanning.
CUES: dict[str, tuple[str, ...]] = {   # lowercase substrings; "year4" is checked with a regex
    "month": ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    "unit": ("year", "month", "week", "day", "hour", "minute", "decade", "centur", "quarter", "period"),
    "half": ("half",),
    "season": ("spring", "summer", "autumn", "fall", "winter"),
    "deictic": ("today", "yesterday", "tomorrow"),
    "weekday": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "daypart": ("morning", "afternoon", "evening", "night"),
    "ampm": ("a.m.", "p.m.", "am", "pm"),
    "holiday": ("day", "christmas"),
    "setword": ("annual", "yearly", "monthly", "weekly", "daily", "quarterly", "hourly", "every", "each", "per "),
    "vague": ("recent", "not long ago", "the past", "now", "current", "present", "these days", "moment", "the future"),
    "ago": ("ago",),
    "row": ("in a row", "running"),
    "consec": ("consecutive", "straight", "successive"),
    "relword": ("earlier", "before", "later", "after"),
    "thatyear": ("that year", "previous year", "following year"),
    "weekend": ("weekend",),
    "soon": ("soon",),
    "fiscal": ("fiscal", "financial"),
}
_YEAR4 = re.compile(r"(?<!\d)(?:1[89]|20|21)\d\d(?!\d)")
_NUMDATE = re.compile(r"\d[/.-]\d{1,2}[/.-]\d|\d-[A-Za-z]{3}")


def line_cues(line: str) -> set[str]:
    low = line.lower()
    found = {name for name, subs in CUES.items() if any(sub in low for sub in subs)}
    if _YEAR4.search(line):
        found.add("year4")
    if _NUMDATE.search(line):
        found.add("numdate")
    return found


@lru_cache(maxsize=1)
def conventions() -> dict[str, dict[str, Any]]:
    """Date conventions by ISO country (resources/dates/jurisdictions.jsonl)."""
    return {row["code"]: row for row in load_rows("dates", "jurisdictions")}


@dataclass(frozen=True)
class Convention:
    """How the jurisdiction of an article writes dates (guide v1.2)."""

    month_first: bool = False      # 08/21/23 is August 21 (US); elsewhere day first
    fy_start: int = 1              # first month of the financial year
    fy_named_by_start: bool = False


def convention_for(code: str | None) -> Convention:
    if not code:
        return Convention()
    parts = str(code).upper().split("-")
    row = conventions().get(parts[0])
    if row is None:
        return Convention()
    fy = row.get("subdivision_fy_start", row.get("fy_start", 1)) if len(parts) > 1 else row.get("fy_start", 1)
    return Convention(row.get("order") == "mdy", int(fy), row.get("fy_named_by") == "start")


@lru_cache(maxsize=1)
def compiled_rules() -> tuple[Rule, ...]:
    frags = date_fragments()
    rules = []
    for row in load_rows("dates", "rules"):
        pattern = re.sub(r"\{([a-z]+)\}", lambda m: f"(?:{frags[m.group(1)]})" if m.group(1) in frags else m.group(0), row["pattern"])
        flags = re.IGNORECASE if "i" in row.get("flags", "") else 0
        rules.append(Rule(row["id"], row["handler"], re.compile(pattern, flags), tuple(row.get("requires", ()))))
    return tuple(rules)


@dataclass
class Hit:
    start: int
    end: int
    partial: Partial
    rule: str


def _month(s: str) -> int:
    return int(lexicon()["month"][s.lower().rstrip(".").strip()])


def _num(s: str | None) -> float | None:
    if s is None:
        return None
    s = re.sub(r"\s+", " ", s.lower().strip())
    if s in ("a", "an", "one"):
        return 1
    if s in ("thousand", "hundred", "decade", "century"):
        return {"thousand": 1000, "hundred": 100, "decade": 1, "century": 1}[s]
    if s in ("couple of", "a couple of"):
        return 2                                # "a couple of years" → P2Y, as TimeML reads it
    if s in ("few", "several", "many", "a few"):
        return None
    v = parse_number(s)
    return v if v is None or math.isfinite(v) else None     # "1,000,...,000 years": beyond float range


def _rel_year(rel: str | None) -> int | None:
    if rel is None:
        return None
    rel = re.sub(r"\s+", " ", rel.lower())
    if rel.startswith("this") or rel.startswith("the same") or rel.startswith("that"):
        return 0 if not rel.startswith("the same") else 0
    if rel.startswith("last") or rel.startswith("the previous"):
        return -1
    if rel.startswith("next") or rel.startswith("the following"):
        return 1
    return 0


def _year2(y1: int, y2: str) -> int:
    return int(y2) if len(y2) == 4 else (y1 // 100) * 100 + int(y2)


def _duration_value(n: float | None, unit: str) -> str:
    code = UNIT_CODES[unit]
    if n is not None and not float(n).is_integer():
        fractional = _fraction_value(n, code)
        if fractional:
            return fractional
    if code in ("H", "MIN"):
        suffix = "H" if code == "H" else "M"
        return f"PT{_n(n)}{suffix}"
    if code == "DE":
        return f"P{_n(n * 10) if n is not None else 'X'}Y" if n is not None else "PXDE"
    if code == "CE":
        return f"P{_n(n * 100)}Y" if n is not None else "PXCE"
    return f"P{_n(n)}{code}"


def _clock(h: str | None, minute: str | None, ap: str | None, word: str | None) -> str:
    """"10:30 p.m." → "22:30"; "noon" → "12:00"; "midnight" → "24:00" (TIMEX3's end of the day)."""
    if word:
        return "12:00" if word.lower() == "noon" else "24:00"
    hour = int(h or 0) % 12 + (12 if (ap or "").lower().startswith("p") else 0)
    return f"{hour:02d}:{int(minute or 0):02d}"


# A fraction of a unit is written with the next smaller unit when that is whole (TIMEX3 style):
# 2.5 years → P2Y6M, 1.5 hours → PT1H30M, 1.5 minutes → PT1M30S.
_SMALLER = {"Y": ("M", 12), "W": ("D", 7), "D": ("H", 24), "H": ("M", 60), "MIN": ("S", 60)}


def _fraction_value(n: float, code: str) -> str | None:
    whole, frac = int(n), n - int(n)
    if code not in _SMALLER or not frac:
        return None
    small, per = _SMALLER[code]
    part = frac * per
    if not float(part).is_integer():
        return None
    big = "M" if code == "MIN" else code
    time_part = code in ("H", "MIN") or small == "H"
    head = f"{whole}{big}" if whole else ""
    if code == "D":                         # 1.5 days → P1DT12H
        return f"P{head}T{int(part)}H"
    return ("PT" if time_part else "P") + head + f"{int(part)}{small}"


def _n(n: float | None) -> str:
    if n is None:
        return "X"
    return str(int(n)) if float(n).is_integer() else str(n)


class DateExtractor:
    """Pure text → Hit list for one line."""

    def __init__(self) -> None:
        self.rules = compiled_rules()
        self.conv = Convention()      # the article's date conventions, set per document by DatesComponent
        self.handlers: dict[str, Callable[[re.Match[str], str], list[tuple[int, int, Partial]]]] = {
            name[3:]: getattr(self, name) for name in dir(self) if name.startswith("_h_")}

    def extract_line(self, line: str) -> list[Hit]:
        candidates: list[tuple[int, int, int, Hit]] = []
        present = line_cues(line)
        if not present:
            return []
        for order, rule in enumerate(self.rules):
            if rule.requires and not present.intersection(rule.requires):
                continue
            handler = self.handlers[rule.handler]
            for m in rule.regex.finditer(line):
                parts = handler(m, line)
                if not parts:
                    continue
                whole_start = min(p[0] for p in parts)
                whole_end = max(p[1] for p in parts)
                for s, e, partial in parts:
                    candidates.append((whole_start, whole_end, order, Hit(s, e, partial, rule.id)))
        # leftmost-longest over whole matches (a range's two parts travel together)
        chosen: list[Hit] = []
        taken_starts: list[int] = []     # the taken matches are disjoint: sorted starts and ends, bisect (issue 10)
        taken_ends: list[int] = []
        groups: dict[tuple[int, int, int], list[Hit]] = {}
        for ws, we, order, hit in candidates:
            groups.setdefault((ws, we, order), []).append(hit)
        for (ws, we, order) in sorted(groups, key=lambda k: (-(k[1] - k[0]), k[0], k[2])):
            i = bisect_left(taken_starts, we)
            if i and taken_ends[i - 1] > ws:
                continue
            taken_starts.insert(i, ws)
            taken_ends.insert(i, we)
            chosen.extend(groups[(ws, we, order)])
        return sorted(chosen, key=lambda h: h.start)

    # ---- handlers: (match, line) -> [(start, end, Partial)] ------------------------------

    def _tense(self, m: re.Match[str], line: str) -> bool:
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

    def _weekday_tense(self, m: re.Match[str], line: str) -> bool:
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
        cached = getattr(self, "_index_cache", None)
        if cached is None or cached[0] is not line:
            cached = (line, [i for i, c in enumerate(line) if c == "."], [i for i, c in enumerate(line) if c == ";"],
                      [mm.start() for mm in FUTURE_MARKERS.finditer(line)])
            self._index_cache = cached
        return cached[1], cached[2], cached[3]

    def _h_mdy(self, m, line):
        y = m.group("y")
        rel = m.groupdict().get("rel")
        month, day = _month(m.group("m")), int(m.group("d"))
        p = Partial(year=int(y) if y else None, year_offset=_rel_year(rel) if rel else None, month=month, day=day,
                    month_default_year=y is None and rel is None, past_tense=self._tense(m, line))
        return [(m.start(), m.end(), p)]

    def _h_iso(self, m, line):
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), month=int(m.group("m")), day=int(m.group("d")),
                                             clock=_tail_clock(m)))]

    def _h_numeric(self, m, line):
        """dd/mm/yyyy or mm/dd/yyyy by the article's jurisdiction (guide v1.2); dd.mm.yyyy, dd-mm-yyyy day first
        unless the jurisdiction writes month first. A part above 12 decides the order by itself."""
        a, b = int(m.group("a") or m.group("a2")), int(m.group("b") or m.group("b2"))
        month_first = self.conv.month_first
        if a > 12 and b > 12:
            return []
        if a > 12:
            month_first = False
        elif b > 12:
            month_first = True
        month, day = (a, b) if month_first else (b, a)
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return []
        return [(m.start(), m.end(), Partial(year=_year_any(m.group("y") or m.group("y2")), month=month, day=day,
                                             clock=_tail_clock(m)))]

    def _h_ymd(self, m, line):
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), month=int(m.group("m")), day=int(m.group("d")),
                                             clock=_tail_clock(m)))]

    def _h_dmony(self, m, line):
        return [(m.start(), m.end(), Partial(year=_year_any(m.group("y")), month=_month(m.group("m")), day=int(m.group("d")),
                                             clock=_tail_clock(m)))]

    def _h_fy_named(self, m, line):
        # "the 2021-22 financial year", "financial year 2021/22", "the 2022/23 year": one FY by its end year (guide v1.2)
        y1 = int(m.group("y1") or m.group("y1b"))
        y2 = _year2(y1, m.group("y2") or m.group("y2b"))
        if y2 != y1 + 1:
            return []
        return [(m.start(), m.end(), Partial(year=y2, fiscal=True))]

    def _h_fy_rel(self, m, line):
        rel = re.sub(r"\s+", " ", (m.group("rel") or "the").lower())
        off = {"this": 0, "the current": 0, "current": 0, "the": 0, "last": -1, "the last": -1, "previous": -1,
               "the previous": -1, "next": 1, "the next": 1, "the coming": 1, "coming": 1}.get(rel)
        if off is None:
            return []
        return [(m.start(), m.end(), Partial(fy_offset=off, fy_start=self.conv.fy_start,
                                             fy_named_by_start=self.conv.fy_named_by_start))]

    def _h_decade_rel(self, m, line):
        # "this decade", "the end of the decade" (the anchor's decade), "the decade before", "the previous decade"
        which = re.sub(r"\s+", " ", (m.group("which") or m.group("which2") or "").lower())
        off = -1 if which in ("previous", "the previous", "before", "earlier", "prior") else 0
        return [(m.start(), m.end(), Partial(decade_offset=off))]

    def _h_dur_compound(self, m, line):
        # "1 year and 6 months" → P1Y6M, "two years, three months" → P2Y3M, "3 hours and 30 minutes" → PT3H30M
        order = ["Y", "M", "W", "D", "H", "MIN"]
        parts = []
        for ng, ug in (("n1", "u1"), ("n2", "u2")):
            n = _num(m.group(ng))
            unit = lexicon()["unit"].get(m.group(ug).lower())
            if n is None or unit is None or not float(n).is_integer() or unit not in order:
                return []
            parts.append((int(n), unit))
        if order.index(parts[0][1]) >= order.index(parts[1][1]):
            return []                               # "6 months and 1 year": not one length of time
        date_part = "".join(f"{n}{u}" for n, u in parts if u in ("Y", "M", "W", "D"))
        time_part = "".join(f"{n}{'M' if u == 'MIN' else u}" for n, u in parts if u in ("H", "MIN"))
        value = "P" + date_part + (f"T{time_part}" if time_part else "")
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=value))]

    def _h_md_range(self, m, line):
        month = _month(m.group("m1"))
        y = int(m.group("y")) if m.group("y") else None
        tense = self._tense(m, line)
        p1 = Partial(year=y, month=month, day=int(m.group("d1")), month_default_year=y is None, past_tense=tense)
        p2 = replace(p1, day=int(m.group("d2")))
        return [(m.start(), m.end("d1") + _suffix_len(line, m.end("d1")), p1),
                (m.start("d2"), m.end(), p2)]

    def _h_mdmd_range(self, m, line):
        # "August 26 to September 26, 2021": the year written once at the end dates both ends
        y = int(m.group("y")) if m.group("y") else None
        rel = m.groupdict().get("rel")
        off = _rel_year(rel) if rel else None
        tense = self._tense(m, line)
        def end(mm: str, dd: str) -> Partial:
            return Partial(year=y, year_offset=off, month=_month(m.group(mm)), day=int(m.group(dd)),
                           month_default_year=y is None and off is None, past_tense=tense)
        return [(m.start("m1"), m.end("d1") + _suffix_len(line, m.end("d1")), end("m1", "d1")),
                (m.start("m2"), m.end(), end("m2", "d2"))]

    def _h_month_range(self, m, line):
        offset = _rel_year(m.group("rel"))
        y = int(m.group("y")) if m.group("y") else None
        tense = self._tense(m, line)
        p1 = Partial(year=y, year_offset=offset, month=_month(m.group("m1")),
                     month_default_year=(y is None and offset is None), past_tense=tense)
        p2 = replace(p1, month=_month(m.group("m2")))
        return [(m.start("m1"), m.end("m1"), p1), (m.start("m2"), m.end(), p2)]

    def _h_month_rel(self, m, line):
        return [(m.start(), m.end(), Partial(year_offset=_rel_year(m.group("rel")), month=_month(m.group("m"))))]

    def _h_month_year(self, m, line):
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), month=_month(m.group("m"))))]

    def _h_earlier(self, m, line):
        unit = (m.group("u") or m.group("u2") or "").lower().rstrip("s")
        direction = (m.group("dir") or m.group("dir2") or "").lower()
        n = _num(m.group("n")) if m.group("n") else 1
        if n is None:
            return []
        sign = 1 if direction in ("later", "after") else -1
        off = int(n) * sign
        p = Partial(year_offset=off) if unit == "year" else Partial(month_offset=off)
        return [(m.start(), m.end(), replace(p, relative_to_previous=True))]

    def _h_that_year(self, m, line):
        w = re.sub(r"\s+", " ", m.group("w").lower())
        off = {"that": 0, "the previous": -1, "the following": 1}[w]
        month = _month(m.group("m")) if m.group("m") else None
        day = int(m.group("d")) if m.group("d") else None
        return [(m.start(), m.end(), Partial(year_offset=off, month=month, day=day if month else None, relative_to_previous=True))]

    def _h_daypart_bare(self, m, line):
        return [(m.start(), m.end(), Partial(timex_type="TIME", literal=f"XXXX-XX-XXT{lexicon()['daypart'][m.group('dp').lower()]}"))]

    def _h_duration_range(self, m, line):
        unit = lexicon()["unit"].get(re.sub(r"\s+", " ", m.group("u").lower()))
        n1, n2 = _num(m.group("n1")), _num(m.group("n"))
        if unit is None or n1 is None or n2 is None or n1 >= n2 or (unit in ("D", "H") and _is_tally(line, m, n2)):
            return []
        return [(m.start("n1"), m.end("n1"), Partial(timex_type="DURATION", literal=_duration_value(n1, unit))),
                (m.start("n"), m.end(), Partial(timex_type="DURATION", literal=_duration_value(n2, unit)))]

    def _h_month_bare(self, m, line):
        word = m.group("m")
        after = line[m.end():m.end() + 12]
        if re.match(r"\s+\d", after):
            return []
        return [(m.start(), m.end(), Partial(month=_month(word), month_default_year=True, past_tense=self._tense(m, line)))]

    def _h_year(self, m, line):
        if _followed_by_unit(line, m.end()):
            return []
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), fiscal=bool(m.groupdict().get("fy"))))]

    def _h_year_range(self, m, line):
        y1 = int(m.group("y1"))
        y2 = _year2(y1, m.group("y2"))
        if not y1 < y2 <= y1 + 100 or _followed_by_unit(line, m.end()):
            return []
        start1 = m.start()
        fiscal = bool(m.groupdict().get("fy"))
        return [(start1, m.end("y1"), Partial(year=y1, fiscal=fiscal)), (m.start("y2"), m.end("y2"), Partial(year=y2, fiscal=fiscal))]

    def _h_decade(self, m, line):
        return [(m.start(), m.end(), Partial(decade=int(m.group("y")) // 10))]

    def _h_half(self, m, line):
        half = 1 if m.group("ord").lower() in ("first", "1st") else 2
        y = int(m.group("y")) if m.group("y") else None
        return [(m.start(), m.end(), Partial(year=y, year_offset=_rel_year(m.group("rel")), half=half))]

    def _h_quarter(self, m, line):
        q = ORD_WORDS[m.group("ord").lower()]
        y = int(m.group("y")) if m.group("y") else None
        rel = _rel_year(m.group("rel"))
        # A bare quarter is the most recent one of that number (news reports past quarters).
        return [(m.start(), m.end(), Partial(year=y, year_offset=rel, quarter=q,
                                             month_default_year=(y is None and rel is None), past_tense=self._tense(m, line)))]

    def _h_the_quarter(self, m, line):
        which = (m.group("which") or "").lower()
        off = {"current": 0, "year-earlier": -5, "year-ago": -5}.get(which, -1)
        return [(m.start(), m.end(), Partial(quarter_offset=off))]

    def _h_rel_month(self, m, line):
        rel = re.sub(r"\s+", " ", m.group("rel").lower())
        month = _month(m.group("m"))
        if rel == "this":
            return [(m.start(), m.end(), Partial(year_offset=0, month=month))]
        direction = -1 if rel in ("last", "this past") else 1
        return [(m.start(), m.end(), Partial(month=month, month_direction=direction))]

    def _h_first_n(self, m, line):
        n = _num(m.group("n"))
        unit = {"months": "M", "quarters": "Q", "weeks": "W", "days": "D"}[m.group("u").lower()]
        if unit == "Q" and n is not None:
            n, unit = n * 3, "M"
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=_duration_value(n, unit)))]

    def _h_same_period(self, m, line):
        y = int(m.group("y")) if m.group("y") else None
        return [(m.start(), m.end(), Partial(year=y, year_offset=None if y else _rel_year(m.group("rel"))))]

    def _h_ago(self, m, line):
        n = _num(m.group("n"))
        if n is None:
            return []
        unit = m.group("u").lower().rstrip("s")
        n = int(n)
        if unit == "year":
            p = Partial(year_offset=-n)
        elif unit == "decade":
            p = Partial(year_offset=-10 * n)
        elif unit == "month":
            p = Partial(month_offset=-n)
        elif unit == "week":
            p = Partial(week_offset=-n)
        else:
            p = Partial(day_offset=-n)
        return [(m.start(), m.end(), p)]

    def _h_rel_unit(self, m, line):
        rel = (m.groupdict().get("rel") or "this").lower()
        rel = re.sub(r"\s+", " ", rel)
        off = {"this": 0, "current": 0, "the current": 0, "last": -1, "previous": -1, "the previous": -1,
               "the past": -1, "next": 1, "the following": 1, "the coming": 1}.get(rel, 0)
        unit = m.group("u").lower()
        if unit == "year":
            p = Partial(year_offset=off)
        elif unit == "month":
            p = Partial(month_offset=off)
        elif unit == "week":
            p = Partial(week_offset=off)
        elif unit == "quarter":
            p = Partial(quarter_offset=off)
        else:  # decade
            if off == 0:
                return []
            p = Partial(timex_type="DURATION", literal="P10Y")
        return [(m.start(), m.end(), p)]

    def _h_season(self, m, line):
        code = lexicon()["season"][m.group("s").lower()]
        rel = m.groupdict().get("rel")
        y = m.groupdict().get("y")
        if rel:
            rel = re.sub(r"\s+", " ", rel.lower())
            off = 0 if rel in ("the coming", "this coming", "this past") else _rel_year(rel + " year")
            return [(m.start(), m.end(), Partial(year_offset=off, season=code))]
        if y:
            return [(m.start(), m.end(), Partial(year=int(y), season=code))]
        # "the summer" names one season: the nearest of the anchor's year, moved back a year when said of the past
        # and well ahead of the anchor (issue 25: TempEval half A and train families; accepted on half B). A bare
        # season without the article is as often generic ("ozone is worst in summer") and stays XXXX.
        if re.search(r"\bthe\s+(?:(?:early|late|mid|middle|peak|whole|entire|coming|past)[\s-]+)?$", line[max(0, m.start() - 20):m.start()], re.I):
            return [(m.start(), m.end(), Partial(season=code, month_default_year=True, past_tense=self._tense(m, line)))]
        return [(m.start(), m.end(), Partial(literal=f"XXXX-{code}"))]

    def _h_the_year(self, m, line):
        # "during the year", "for the year": the year the article is about (see DatesComponent: the year
        # mentioned most often so far, else the anchor's)
        return [(m.start(), m.end(), Partial(year_offset=0, topic_year=True))]

    def _h_weekend(self, m, line):
        rel = (m.group("rel") or "the").lower()
        off = {"this": 0, "the": 0, "last": -1, "next": 1, "that": 0}[rel]
        return [(m.start(), m.end(), Partial(week_offset=off, weekend=True, past_tense=(rel != "next") and self._weekday_tense(m, line)))]

    def _h_set_season(self, m, line):
        s = m.group("s") or m.group("s2")
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=f"XXXX-{lexicon()['season'][s.lower()]}"))]

    def _h_deictic_day(self, m, line):
        return [(m.start(), m.end(), Partial(day_offset=DEICTIC_DAYS[m.group("w").lower()]))]

    def _h_weekday(self, m, line):
        rel = (m.group("rel") or "").lower()
        dp = m.group("dp")
        p = Partial(weekday=int(lexicon()["weekday"][m.group("wd").lower()]),
                    week_offset=-1 if rel == "last" else None,
                    # "last Friday" is past whatever else the sentence says; a plain weekday follows the tense
                    weekday_future=(rel == "next") or (rel != "last" and not self._weekday_tense(m, line)),
                    daypart=lexicon()["daypart"][dp.lower()] if dp else None)
        return [(m.start(), m.end(), p)]

    def _h_weekday_date(self, m, line):
        # "Saturday, April 25": the calendar date decides; the weekday only confirms it
        month = _month(m.group("m") or m.group("m2"))
        y = m.group("y")
        p = Partial(year=int(y) if y else None, month=month, day=int(m.group("d") or m.group("d2")),
                    month_default_year=y is None, past_tense=self._tense(m, line))
        return [(m.start(), m.end(), p)]

    def _h_set_weekday(self, m, line):
        wd = lexicon()["weekday"][(m.group("wd") or m.group("wdp") or m.group("wd2")).lower()]
        dp = m.group("dp") or m.group("dp2") or m.group("dp3")
        value = f"XXXX-WXX-{wd}" + (f"T{lexicon()['daypart'][dp.lower().rstrip('s')]}" if dp else "")
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=value))]

    def _h_set_month(self, m, line):
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=f"XXXX-{_month(m.group('m')):02d}"))]

    def _h_clock_date(self, m, line):
        # "10 p.m. Wednesday", "5 p.m. EST Nov. 9", "noon Thursday": one TIME on that day
        clock = _clock(m.group("h"), m.group("min"), m.group("ap"), m.group("word"))
        if m.group("wd"):
            wd = int(lexicon()["weekday"][m.group("wd").lower()])
            p = Partial(timex_type="TIME", weekday=wd, clock=clock, weekday_future=not self._weekday_tense(m, line))
        elif m.group("w"):
            p = Partial(timex_type="TIME", day_offset=DEICTIC_DAYS[m.group("w").lower()], clock=clock)
        else:
            y = m.group("y")
            p = Partial(timex_type="TIME", year=int(y) if y else None, month=_month(m.group("m")), day=int(m.group("d")),
                        month_default_year=y is None, past_tense=self._tense(m, line), clock=clock)
        return [(m.start(), m.end(), p)]

    def _h_quarter_prefixed(self, m, line):
        # "the 1988 second quarter", "next year's first quarter", "the year-ago third quarter"
        q = ORD_WORDS[m.group("ord").lower()]
        if m.group("y"):
            return [(m.start(), m.end(), Partial(year=int(m.group("y")), quarter=q))]
        if m.group("rel"):
            return [(m.start(), m.end(), Partial(year_offset=_rel_year(m.group("rel") + " year"), quarter=q))]
        return [(m.start(), m.end(), Partial(quarter=q, month_default_year=True, past_tense=True, year_shift=-1))]

    def _h_duration_fraction(self, m, line):
        # "2 1/2 years", "a minute and a half", "one and a half years" (the last also in dur_half_unit)
        n = _num(m.group("n")) if m.group("n") else 1
        if n is None:
            return []
        unit = lexicon()["unit"][(m.group("u") or m.group("u2")).lower()]
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=_duration_value(n + 0.5, unit)))]

    def _h_daypart(self, m, line):
        rel = m.group("rel").lower()
        dp = lexicon()["daypart"][m.group("dp").lower()]
        off = {"this": 0, "yesterday": -1, "tomorrow": 1, "last": -1}[rel]
        return [(m.start(), m.end(), Partial(timex_type="TIME", day_offset=off, daypart=dp))]

    def _h_clock(self, m, line):
        clock = _clock(m.group("h"), m.group("min"), m.group("ap"), None)
        return [(m.start(), m.end(), Partial(timex_type="TIME", day_offset=0, clock=clock, literal=f"XXXX-XX-XXT{clock}"))]

    def _h_holiday(self, m, line):
        mmdd = lexicon()["holiday"].get(re.sub(r"\s+", " ", m.group("h").lower()))
        if not mmdd:
            return []
        month, day = (int(x) for x in mmdd.split("-"))
        y = m.group("y") or m.groupdict().get("y2")
        rel = m.group("rel") or m.groupdict().get("rel2")
        off = _rel_year(rel + " year") if rel else None
        p = Partial(year=int(y) if y else None, year_offset=off if not y else None, month=month, day=day)
        return [(m.start(), m.end(), p)]

    def _h_duration(self, m, line):
        if (m.groupdict().get("n") or "").lower() in ("a", "an") and re.search(r"\d[\d,.]*\s*(?:[a-zA-Z%$€£]+\s+){0,3}$", line[max(0, m.start() - 40):m.start()]):
            return []                               # "$14.95 a month", "5.33 million tons a day": a rate, not a date
        unit_word = re.sub(r"\s+", " ", m.group("u").lower())
        unit = lexicon()["unit"].get(unit_word) or lexicon()["unit"].get(unit_word + "s")
        if unit is None:
            return []
        raw_n = m.group("n") if "n" in m.groupdict() else None
        n = _num(raw_n) if raw_n is not None else 1
        if raw_n is not None and n is None and raw_n.lower() not in ("few", "several", "many", "a few", "couple of", "a couple of"):
            return []
        if unit in ("D", "H") and _is_tally(line, m, n):
            return []
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=_duration_value(n, unit)))]

    def _h_duration_vague(self, m, line):
        unit = lexicon()["unit"][m.group("u").lower()]
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=_duration_value(None, unit)))]

    def _h_streak(self, m, line):
        n = ORD_WORDS.get(m.group("ord").lower())
        if not n or m.group("ord").lower() in ("last", "final", "latter"):
            return []
        u = (m.group("u1") or m.group("u2") or m.group("u3")).lower()
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=_duration_value(n, lexicon()["unit"][u])))]

    def _h_half_unit(self, m, line):
        if m.group("u"):
            u = m.group("u").lower()
            value = {"year": "P6M", "month": "P0.5M", "day": "PT12H", "decade": "P5Y", "century": "P50Y"}[u]
        else:
            n = _num(m.group("n2"))
            if n is None:
                return []
            value = _duration_value(n + 0.5, lexicon()["unit"][m.group("u2").lower()])
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=value))]

    def _h_set(self, m, line):
        word = m.group("s").lower()
        if word.endswith("ly") and re.match(r"\s+[a-z]+(?<!ly)\b", line[m.end():]) and not re.match(r"\s+(?:by|in|on|at|to|from|for|and|or|since|until|as|with|during)\b", line[m.end():]):
            return []                               # "quarterly dividend", "monthly water quality": an adjective
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=lexicon()["set"][re.sub(r"\s+", " ", m.group("s").lower())]))]

    def _h_vague(self, m, line):
        v = m.group("v")
        key = re.sub(r"\s+", " ", v.lower())
        lex = lexicon()
        value = lex["vague_past"].get(key) or lex["vague_present"].get(key) or lex["vague_future"].get(key)
        if value is None:
            return []
        if key == "now" and re.match(r"\s+(that|on)\b", line[m.end():]):
            return []
        return [(m.start("v"), m.end("v"), Partial(literal=value))]


def _year_any(y: str) -> int:
    """A written year; two-digit years are 20YY (guide v1.2)."""
    return int(y) if len(y) == 4 else 2000 + int(y)


def _tail_clock(m: re.Match[str]) -> str | None:
    """The clock time of a {clocktail} group, 24-hour "HH:MM" (":SS" when written); None when absent."""
    gd = m.groupdict()
    if not gd.get("ch"):
        return None
    ap = (gd.get("cap") or gd.get("cap2") or gd.get("cap3") or "").lower()
    hour = int(gd["ch"])
    if ap:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if ap.startswith("p") else 0)
    minute = gd.get("cmin") or gd.get("cmin2") or "00"
    return f"{hour:02d}:{minute}" + (f":{gd['csec']}" if gd.get("csec") else "")


def _suffix_len(line: str, pos: int) -> int:
    m = re.match(r"(?:st|nd|rd|th)\b", line[pos:])
    return len(m.group(0)) if m else 0


_UNIT_AFTER = re.compile(r"\s*(?:tons?|tonnes?|yuan|kilometers?|km|meters?|square|cubic|mu|hectares?|percent|%|people|households|projects|cases|vehicles|units|enterprises|companies|sites|samples)\b", re.I)


def _followed_by_unit(line: str, pos: int) -> bool:
    return bool(_UNIT_AFTER.match(line, pos))


def _is_tally(line: str, m: re.Match[str], n: float | None) -> bool:
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


def date_hits(doc: Doc, extractor: DateExtractor) -> Iterator[tuple[Hit, int, int]]:
    for line_start, _, line in allowed_lines(doc):
        for hit in extractor.extract_line(line):
            yield hit, line_start + hit.start, line_start + hit.end


YEAR_BACK_RULES = ("date_rel_ago", "date_rel_earlier")


def quarter_in_scope(quarter_line: int, line_no: int) -> bool:
    """Whether a quarter mentioned on ``quarter_line`` dates "a year earlier" on ``line_no``: anywhere earlier in
    the article (TempEval-3 half B: 0.7778 with the whole article, 0.7767 with the same line only)."""
    return True


class DatesComponent:
    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.extractor = DateExtractor()

    def __call__(self, doc: Doc) -> Doc:
        from pipeline.stages.quantities.extractor import make_span

        anchor = parse_anchor(doc._.published)
        self.extractor.conv = convention_for((doc._.jurisdiction or {}).get("code"))
        spans = []
        under = 0
        last_year: int | None = None     # the year most recently mentioned: the referent of "that year"
        last_year_line = -1
        last_quarter: tuple[int, int, int] | None = None   # (year, quarter, line) of the latest quarter mentioned
        year_counts: dict[int, int] = {}  # years of the DATEs so far: the most frequent is the article's topic year
        line_no, counted_to = 0, 0       # newlines before the hit, counted incrementally (hits come in text order)
        raw = raw_text(doc)  # Doc.text re-joins every token: read it once (issue 10)
        for hit, start, end in date_hits(doc, self.extractor):
            span = make_span(doc, start, end, "DATE")
            if span is None:
                continue
            local_anchor = anchor
            if start < counted_to:
                line_no, counted_to = 0, 0
            line_no += raw.count("\n", counted_to, start)
            counted_to = start
            if hit.rule == "date_rel_earlier" and last_year_line != line_no:
                last_year = None          # "a year earlier" looks back only within its own paragraph
            if hit.partial.relative_to_previous and last_year is not None:
                local_anchor = (last_year, None, None) if hit.partial.month_offset is None else (last_year, 1, None)
            if hit.partial.topic_year and year_counts:
                topic = max(year_counts, key=lambda y: (year_counts[y], y))
                local_anchor = (topic, None, None)
            try:
                resolved = resolve(hit.partial, local_anchor)
            except (OverflowError, ValueError):   # "800,000 days ago": before year 1 (issue 10)
                resolved = Resolved(hit.partial.timex_type, "XXXX", True, ["out of the calendar's range"])
            if hit.rule in YEAR_BACK_RULES and last_quarter is not None and quarter_in_scope(last_quarter[2], line_no) \
                    and len(resolved.value) == 4 and resolved.value.isdigit():
                # "a year ago" / "a year earlier" beside a quarter's figures is that quarter a year back
                # (TimeBank: "profit rose in the third quarter from ... a year earlier" → 1988-Q3)
                shift = int(resolved.value) - (local_anchor[0] if local_anchor else int(resolved.value))
                resolved = Resolved("DATE", f"{last_quarter[0] + shift:04d}-Q{last_quarter[1]}")
            if re.fullmatch(r"\d{4}-Q[1-4]", resolved.value):
                last_quarter = (int(resolved.value[:4]), int(resolved.value[-1]), line_no)
            if resolved.timex_type == "DATE" and resolved.value[:4].isdigit() and not hit.partial.relative_to_previous:
                last_year = int(resolved.value[:4])
                last_year_line = line_no
                year_counts[last_year] = year_counts.get(last_year, 0) + 1
            span._.timex_type = resolved.timex_type
            span._.timex_value = resolved.value
            span._.underspecified = resolved.underspecified
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
