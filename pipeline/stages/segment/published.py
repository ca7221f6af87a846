"""The article's own publication date, found among all the dates in its text (issue 24, item 5).

Candidates: every date-looking string on any line (month names, weekday-led dates, ISO with
or without a time, numeric dates read day- or month-first by the jurisdiction, year-first
slashes, CJK dates, email ``Date:`` headers), parsed to a day. Month names in other languages
("4. März 2023", "12 de marzo de 2023") come from dateparser's own language data
(``month_words``); a span so found is parsed by ``dateparser.parse`` (never ``search_dates``).
Ranking: a logistic model over features that transfer across publishers (the line's kind from the segmenter, its
position and distance to the title line, a label such as "Published"/"Posted" or one that
marks another date such as "Updated"/"©"/"Related", how much of the line the date fills, a
clock time or time zone after it, other dates in neighbouring lines (teaser lists), how
often the same date recurs). Trained on the train families' gold only
(``bench/train_published_ranker.py``; weights in ``models/published_ranker/weights.json``, a
plain JSON file). The best candidate is taken only above a threshold chosen so that
articles whose text states no date get none. When the ranker abstains, the header's date line
(``date_line``, rule ``published_date_line.v1``) is taken: a short line at the top of the page,
down to its first paragraph, that opens with a date or gives it after a label or a dateline —
a rule that does not depend on the segmenter's line kinds (docs/segmentation.md).
"""
from __future__ import annotations

import importlib
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.resources import load_groups, load_rows
from pipeline.paths import REPO_DIR

REPO = REPO_DIR
MODEL = REPO / "models" / "published_ranker" / "weights.json"
RULE_ID = "published_ranker.v1"
DATE_LINE_RULE = "published_date_line.v1"
HEADER_LINES = 15          # non-blank lines from the top that count as the page's header
AFTER_TITLE_LINES = 5      # ... and lines below a title that sits there
ABOVE_PARAGRAPH_LINES = 2  # ... and the lines right above the first paragraph
PARAGRAPH_WORDS = 20       # a line this long is article text: the header ends with it

MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
MON = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+"
CANDIDATE = re.compile(
    rf"(?P<dmy>(?:{WEEKDAY})?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{MON})\.?,?\s+(?P<y1>(?:19|20)\d{{2}}))"
    rf"|(?P<mdy>(?:{WEEKDAY})?(?P<m2>{MON})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d{{2}}))"
    rf"|(?P<iso>(?P<y3>(?:19|20)\d{{2}})[-/.](?P<a3>\d{{1,2}})[-/.](?P<b3>\d{{1,2}}))(?!\d)"
    # numeric, with the same separator twice; ". " as Czech, Slovak and German write it ("14. 5. 2024")
    rf"|(?P<num>(?<![\d.])(?P<a4>\d{{1,2}})(?P<s4>[/-]|\.\s?)(?P<b4>\d{{1,2}})(?P=s4)(?P<y4>(?:19|20)?\d{{2}}))(?![\d/.-]\d)"
    rf"|(?P<cjk>(?P<y5>(?:19|20)\d{{2}})年(?P<a5>\d{{1,2}})月(?P<b5>\d{{1,2}})日)",
    re.IGNORECASE)
# Dates with a month name in another language (issue 24 item 5): the shape is found by this
# regex, the word between day and year is looked up in dateparser's own language data
# (month_words()), and only then is the span parsed by dateparser — never a free-text search.
# Day first ("4. März 2023", "12 de marzo de 2023": one short connector allowed on each side),
# month first ("marzo 4, 2023") and year first ("2023. március 4.").
_WORD = r"[^\W\d_]{3,}"
_LINK = r"(?:[^\W\d_]{1,3}\s+)?"
OTHER_CANDIDATE = re.compile(
    rf"(?P<xdmy>(?<![\d.,])(?P<d6>\d{{1,2}})(?:\.|º|°)?\s*{_LINK}(?P<m6>{_WORD})\.?,?\s+{_LINK}(?P<y6>(?:19|20)\d{{2}}))(?!\d)"
    rf"|(?P<xmdy>(?P<m7>{_WORD})\.?\s+(?P<d7>\d{{1,2}})\.?,?\s+(?P<y7>(?:19|20)\d{{2}}))(?!\d)"
    rf"|(?P<xymd>(?<![\d.,])(?P<y8>(?:19|20)\d{{2}})\.?\s+(?P<m8>{_WORD})\.?\s+(?P<d8>\d{{1,2}})\.?)(?!\d)")
WEEKDAY_BEFORE = re.compile(r"([^\W\d_]{2,})\.?,?\s*$")
TIME_AFTER = re.compile(r"^[,\s|–—-]*(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,5}|[+-]\d{4}|\(UTC[^)]*\))?", re.IGNORECASE)
# a wire dateline before the date: "LAGOS, ", "LAHORE, (Agency - " (the agency's bracket may open first),
# "HAMILTON, ON – ", "WASHINGTON – ", "ABUJA, Nigeria, ": up to five capitalised words (lower-case
# particles of place names such as "Port of Spain" allowed), up to two ", Region" parts, then a comma or
# a dash. Capitalised words only, so a clause ("He said, ", "In a statement released - ") is no dateline.
DATELINE = re.compile(r"^\s*[A-Z][A-Za-z.'’-]*(?:\s+(?:[A-Z][A-Za-z.'’-]*|of|de|la|du|do|da|del|el)){0,4}"
                      r"(?:,\s*[A-Z][A-Za-z.]{1,20}){0,2}\s*[,–—-]\s*(?:\([^)]{0,60})?$")
WORD_CHAR = re.compile(r"[^\W_]")
SEP_AFTER = re.compile(r"^\s*[|•·–—:-]")     # "08.01.2020 | HEADLINE": a date line that runs into its headline
BYLINE = re.compile(r"(?i)(?:^|\W)by\s+[A-Z]")
KINDS = ("title", "heading", "caption", "metadata", "boilerplate", "body")
CUE_TYPES = ("label", "other_label")     # the groups of resources/published_cues.jsonl this module reads
# The features the ranker is trained on (bench/train_published_ranker.py). The others a candidate
# carries (line_start, sep_after, in_sentence, only_day, far_above_title) are read by the header date-line rule only:
# fitted into the ranker on the 79 train articles they gained one article and invented one date in
# leave-one-family-out over train+dev, so the ranker was kept on its old features.
RANKER_FEATURES = frozenset(
    [f"kind_{k}" for k in KINDS]
    + ["pos", "top5", "top15", "bottom10", "after_title", "before_title", "title_dist", "label", "other_label",
       "fill", "short_line", "time_after", "dateline", "byline", "email_date", "numeric", "list_like",
       "neighbours", "first", "rank", "repeats"])


@dataclass
class Candidate:
    value: str              # ISO day
    line: int
    start: int              # offset in the raw text
    end: int
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    rule: str = RULE_ID     # what chose it: the ranker, or the date-line rule when the ranker abstains


@lru_cache(maxsize=1)
def cues() -> dict[str, Any]:
    groups = load_groups("segment", "published_cues", "type", CUE_TYPES)   # an unknown type fails at load time
    out: dict[str, list[str]] = {t: [w for row in groups[t] for w in row["words"]] for t in CUE_TYPES}
    def pattern(words: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    # month-first jurisdictions: the dates stage's conventions file, one list for both stages
    month_first = {row["code"] for row in load_rows("dates", "jurisdictions") if row.get("order") == "mdy"}
    return {"label": pattern(out["label"]), "other": pattern(out["other_label"]), "month_first": month_first}


@lru_cache(maxsize=1)
def weights() -> dict[str, Any]:
    return json.loads(MODEL.read_text(encoding="utf-8"))


# The keys of dateparser's own language data (its month and weekday tables are keyed by the English
# names): structure of that library's data, not a vocabulary of ours.
_MONTH_KEYS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
               "october", "november", "december")
_WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WINDOW_BEFORE, WINDOW_AFTER = 45, 25   # characters around a year that can hold the rest of its date
DIGIT = re.compile(r"\d")
MAX_LANGUAGES = 3      # languages handed to dateparser per month word: each one it loads costs time once
YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


@dataclass(frozen=True)
class MonthWord:
    month: int
    languages: tuple[str, ...]      # dateparser language codes that spell this month so, most used first


def _language_data() -> list[tuple[str, dict[str, Any]]]:
    """(code, info) of every language dateparser knows, in its own order of use (most used first)."""
    from dateparser.data.languages_info import language_order

    return [(code, importlib.import_module(f"dateparser.data.date_translation_data.{code}").info) for code in language_order]


@lru_cache(maxsize=1)
def month_words() -> dict[str, MonthWord]:
    """Lower-case month name or abbreviation -> its month, from dateparser's language data (not a
    list typed here). A word two languages give different months ("listopad": November in Polish,
    October in Croatian) takes the month of the most used language, and only the languages that
    agree are handed to dateparser. Words under three letters are left out: "ma", "de", "v" are
    ordinary words or numerals far more often than months."""
    by_word: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for code, info in _language_data():
        for number, key in enumerate(_MONTH_KEYS, 1):
            for word in info.get(key, []):
                w = word.lower().rstrip(".")
                if len(w) >= 3 and w.isalpha():
                    by_word[w][number].append(code)
    rank = {code: i for i, (code, _) in enumerate(_language_data())}
    out = {}
    for w, months in by_word.items():
        number, langs = min(months.items(), key=lambda item: rank[item[1][0]])
        out[w] = MonthWord(number, tuple(dict.fromkeys(langs))[:MAX_LANGUAGES])
    return out


@lru_cache(maxsize=1)
def weekday_words() -> frozenset[str]:
    """Lower-case weekday names and abbreviations of every language dateparser knows."""
    return frozenset(w.lower().rstrip(".") for _, info in _language_data() for key in _WEEKDAY_KEYS
                     for w in info.get(key, []) if len(w.rstrip(".")) >= 2)


@lru_cache(maxsize=4096)
def parse_other(span: str, order: str, languages: tuple[str, ...], y: int, d: int) -> str | None:
    """ISO day of a span OTHER_CANDIDATE found, parsed by dateparser in the languages that spell its
    month word so; kept only when dateparser read the same day and year the regex saw."""
    import dateparser  # lazily: only pages with such a span pay for it

    try:
        parsed = dateparser.parse(span, languages=list(languages),
                                  settings={"DATE_ORDER": order, "REQUIRE_PARTS": ["day", "month", "year"],
                                            "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_LOCALE_DATE_ORDER": False})
    except (ValueError, OverflowError):             # a span dateparser cannot turn into a date is no candidate
        return None
    if parsed is None or parsed.year != y or parsed.day != d:
        return None
    return parsed.date().isoformat()


def other_candidates(line: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, ISO day) of the dates with a month name in any language dateparser knows, outside
    the spans the English/numeric patterns already took; a weekday right before is part of the span."""
    matches: dict[tuple[int, int], re.Match[str]] = {}
    for year in YEAR.finditer(line):
        # every shape has a four-digit year with a day number near it: scan only that window, so a
        # paragraph full of "in 2023" costs a few small searches, not a scan of every word
        lo, hi = max(0, year.start() - WINDOW_BEFORE), min(len(line), year.end() + WINDOW_AFTER)
        if not (DIGIT.search(line, lo, year.start()) or DIGIT.search(line, year.end(), hi)):
            continue
        for m in OTHER_CANDIDATE.finditer(line, lo, hi):
            if m.end() < hi or hi == len(line):     # one cut by the window's end may have lost a digit
                matches.setdefault(m.span(), m)
    if not matches:
        return []                                   # most lines stop here, before the month lookup
    words = month_words()
    out = []
    for _, m in sorted(matches.items()):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        g = m.groupdict()
        for shape, order, mk, yk, dk in (("xdmy", "DMY", "m6", "y6", "d6"), ("xmdy", "MDY", "m7", "y7", "d7"),
                                         ("xymd", "YMD", "m8", "y8", "d8")):
            if g[shape]:
                break
        word = words.get(g[mk].lower())
        if word is None:
            continue
        value = parse_other(m.group(0), order, word.languages, int(g[yk]), int(g[dk]))
        if value is None:
            continue
        start = m.start()
        wd = WEEKDAY_BEFORE.search(line[:start])
        if wd and wd.group(1).lower() in weekday_words():
            start = wd.start()
        out.append((start, m.end(), value))
    return out


def _day(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse(m: re.Match[str], month_first: bool) -> str | None:
    """ISO day of one candidate match (numeric order by jurisdiction; year-first everywhere)."""
    g = m.groupdict()
    if g["dmy"]:
        return _day(int(g["y1"]), MONTHS[g["m1"][:3].lower()], int(g["d1"]))
    if g["mdy"]:
        return _day(int(g["y2"]), MONTHS[g["m2"][:3].lower()], int(g["d2"]))
    if g["iso"]:
        return _day(int(g["y3"]), int(g["a3"]), int(g["b3"]))
    if g["cjk"]:
        return _day(int(g["y5"]), int(g["a5"]), int(g["b5"]))
    a, b, y = int(g["a4"]), int(g["b4"]), int(g["y4"])
    y = y + 2000 if y < 100 else y                       # two-digit years are 20YY (guide v1.2)
    if a > 12 >= b:
        return _day(y, b, a)
    if b > 12 >= a:
        return _day(y, a, b)
    return _day(y, a, b) if month_first else _day(y, b, a)


def candidates(text: str, lines: list[dict[str, Any]], jurisdiction: str | None) -> list[Candidate]:
    """Every parseable date of the text with its features."""
    c = cues()
    month_first = (jurisdiction or "").split("-")[0].upper() in c["month_first"]
    n = max(len(lines), 1)
    title = next((i for i, ln in enumerate(lines) if ln["kind"] == "title"), None)
    found: list[Candidate] = []
    per_line: dict[int, int] = {}
    for i, ln in enumerate(lines):
        line = text[ln["start"]:ln["end"]]
        if len(line) > 2000:                      # a paragraph-long line is article text, not a date line
            line = line[:2000]
        spans: list[tuple[int, int, str, bool]] = []      # start, end, ISO day, numeric
        for m in CANDIDATE.finditer(line):
            value = parse(m, month_first)
            if value is not None:
                spans.append((m.start(), m.end(), value, bool(m.group("num"))))
        taken = [(s, e) for s, e, _, _ in spans]
        spans.extend((s, e, value, False) for s, e, value in other_candidates(line, taken))
        for start, end, value, numeric in spans:
            per_line[i] = per_line.get(i, 0) + 1
            before, after = line[:start], line[end:]
            words = max(len(line.split()), 1)
            f: dict[str, float] = {f"kind_{ln['kind']}": 1.0}
            f.update({
                "pos": i / n, "top5": float(i < 5), "top15": float(i < 15), "bottom10": float(n - i <= 10),
                "after_title": float(title is not None and 0 < i - title <= 5),
                "before_title": float(title is not None and 0 < title - i <= 3),
                # more than 3 lines above the title: a top bar over the menu (read by the date-line rule only)
                "far_above_title": float(title is not None and title - i > 3),
                "title_dist": min(abs(i - title), 30) / 30 if title is not None else 1.0,
                "label": float(bool(c["label"].search(before[-40:]))),
                "other_label": float(bool(c["other"].search(line))),
                "fill": (end - start) / max(len(line.strip()), 1),
                "short_line": float(words <= 12),
                # nothing but punctuation before the date: the line opens with it ("• 03.10.2025, 10:30")
                "line_start": float(not WORD_CHAR.search(before)),
                # the date sits inside running text: a sentence that mentions a date, not a date line
                "in_sentence": float(words > 12 and len(before) > 30 and not DATELINE.match(before)),
                "time_after": float(bool(TIME_AFTER.match(after))),
                "sep_after": float(bool(SEP_AFTER.match(after))),
                "dateline": float(bool(DATELINE.match(before))),
                "byline": float(bool(BYLINE.search(line))),
                "email_date": float(line.lstrip().lower().startswith("date:")),
                "numeric": float(numeric),
            })
            found.append(Candidate(value, i, ln["start"] + start, ln["start"] + end, f))
    repeats = Counter(cand.value for cand in found)      # not list.count per candidate: a page may hold thousands of dates
    only = float(len(repeats) == 1)                      # the page states one day, however often
    for k, cand in enumerate(found):
        neighbours = sum(per_line.get(j, 0) for j in (cand.line - 2, cand.line - 1, cand.line + 1, cand.line + 2))
        cand.features.update({"list_like": float(neighbours >= 2), "neighbours": min(neighbours, 5) / 5,
                              "first": float(k == 0), "rank": min(k, 10) / 10,
                              "repeats": min(repeats[cand.value] - 1, 3) / 3, "only_day": only})
    return found


def score_candidates(found: list[Candidate]) -> None:
    w = weights()
    for cand in found:
        z = w["bias"] + sum(w["coef"].get(k, 0.0) * v for k, v in cand.features.items())
        cand.score = 1.0 / (1.0 + math.exp(-z))


def basis_of(cand: Candidate) -> str:
    f = cand.features
    if f.get("dateline"):
        return "dateline"
    if f.get("byline"):
        return "byline"
    if f.get("kind_metadata") or f.get("label") or f.get("email_date"):
        return "metadata"
    return "content"


def header_rows(text: str, lines: list[dict[str, Any]]) -> set[int]:
    """Indices of the lines of the page's header, which ends with the first paragraph (a line of
    PARAGRAPH_WORDS words or more, which may itself open with a wire dateline): its first
    HEADER_LINES non-blank lines, and the AFTER_TITLE_LINES lines below a title that sits above
    the paragraph (a title below a long menu). Lines after the first paragraph (related-news
    lists, comments, trailers) are never the header."""
    paragraph = next((i for i, ln in enumerate(lines) if len(text[ln["start"]:ln["end"]].split()) >= PARAGRAPH_WORDS),
                     len(lines) - 1)
    rows: set[int] = set()
    for i in range(paragraph + 1):
        if len(rows) >= HEADER_LINES:
            break
        if text[lines[i]["start"]:lines[i]["end"]].strip():
            rows.add(i)
    title = next((i for i, ln in enumerate(lines) if ln["kind"] == "title"), None)
    if title is not None and title < paragraph:
        rows.update(range(title + 1, min(title + AFTER_TITLE_LINES, paragraph) + 1))
    # the lines right above the first paragraph (a date line under a headline below a long menu,
    # whatever kind the segmenter gave the headline)
    rows.update(i for i in range(max(0, paragraph - ABOVE_PARAGRAPH_LINES), paragraph)
                if text[lines[i]["start"]:lines[i]["end"]].strip())
    return rows


def date_line(found: list[Candidate], header: set[int]) -> Candidate | None:
    """The first date that stands as the page's own date line in its header, for when the ranker
    abstains: a short line that opens with the date, gives it after a publishing label, a wire
    dateline or a ``Date:`` header, or is mostly the date ("Seduta n. 10 di Mercoledì 27 novembre
    2019"; "08.01.2020 | HEADLINE" runs into the headline). Not on a line that labels another date
    ("Updated", "©", "Related"), not inside a run of dated lines (a feed), not inside a sentence.
    The ranker leans on the line's kind, which the segmenter gets wrong on pages unlike its
    training families (a German page was all boilerplate); this rule does not look at the kind."""
    for cand in found:
        f = cand.features
        if cand.line not in header or f["other_label"] or f["list_like"] or f["in_sentence"]:
            continue
        if f["far_above_title"]:
            continue      # above the title with a menu between: the page's top bar (the day of the visit), not its date
        opens = f["line_start"] or f["label"] or f["dateline"] or f["email_date"] or f["fill"] >= 0.5
        if opens and (f["short_line"] or f["dateline"] or (f["line_start"] and f["sep_after"])):
            cand.rule = DATE_LINE_RULE
            return cand
    return None


def find(text: str, lines: list[dict[str, Any]], jurisdiction: str | None) -> tuple[str, str, Candidate] | None:
    """(published, basis, candidate) or None when no candidate is likely enough: the ranker's best
    above its threshold, else the header's date line (``date_line``); ``candidate.rule`` says which."""
    found = candidates(text, lines, jurisdiction)
    if not found:
        return None
    score_candidates(found)
    best = max(found, key=lambda c: (c.score, -c.line))
    if best.score < weights()["threshold"]:
        fallback = date_line(found, header_rows(text, lines))
        return (fallback.value, basis_of(fallback), fallback) if fallback else None
    return best.value, basis_of(best), best
