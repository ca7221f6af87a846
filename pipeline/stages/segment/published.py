"""The article's own publication date, found among all the dates in its text (issue 24, item 5).

Candidates: every date-looking string on any line (month names, weekday-led dates, ISO with
or without a time, numeric dates read day- or month-first by the jurisdiction, year-first
slashes, CJK dates, email ``Date:`` headers), parsed to a day. Ranking: a logistic model
over features that transfer across publishers (the line's kind from the segmenter, its
position and distance to the title line, a label such as "Published"/"Posted" or one that
marks another date such as "Updated"/"©"/"Related", how much of the line the date fills, a
clock time or time zone after it, other dates in neighbouring lines (teaser lists), how
often the same date recurs). Trained on the train families' gold only
(``bench/train_published_ranker.py``; weights in ``models/published_ranker/weights.json``, a
plain JSON file). The best candidate is taken only above a threshold chosen so that
articles whose text states no date get none.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.resources import load_rows
from pipeline.paths import REPO_DIR

REPO = REPO_DIR
MODEL = REPO / "models" / "published_ranker" / "weights.json"
RULE_ID = "published_ranker.v1"

MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
MON = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)[a-z]*\.?,?\s+"
CANDIDATE = re.compile(
    rf"(?P<dmy>(?:{WEEKDAY})?(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{MON})\.?,?\s+(?P<y1>(?:19|20)\d{{2}}))"
    rf"|(?P<mdy>(?:{WEEKDAY})?(?P<m2>{MON})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d{{2}}))"
    rf"|(?P<iso>(?P<y3>(?:19|20)\d{{2}})[-/.](?P<a3>\d{{1,2}})[-/.](?P<b3>\d{{1,2}}))(?!\d)"
    rf"|(?P<num>(?<![\d.])(?P<a4>\d{{1,2}})[/.-](?P<b4>\d{{1,2}})[/.-](?P<y4>(?:19|20)?\d{{2}}))(?![\d/.-]\d)"
    rf"|(?P<cjk>(?P<y5>(?:19|20)\d{{2}})年(?P<a5>\d{{1,2}})月(?P<b5>\d{{1,2}})日)",
    re.IGNORECASE)
TIME_AFTER = re.compile(r"^[,\s|–—-]*(?:at\s+)?\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:[A-Z]{2,5}|[+-]\d{4}|\(UTC[^)]*\))?", re.IGNORECASE)
DATELINE = re.compile(r"^\s*[A-Z][A-Za-z .'’-]{1,40},\s*$")
BYLINE = re.compile(r"(?i)(?:^|\W)by\s+[A-Z]")
KINDS = ("title", "heading", "caption", "metadata", "boilerplate", "body")


@dataclass
class Candidate:
    value: str              # ISO day
    line: int
    start: int              # offset in the raw text
    end: int
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


@lru_cache(maxsize=1)
def cues() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in load_rows("segment", "published_cues"):
        out.setdefault(row["type"], []).extend(row["words"])
    def pattern(words: list[str]) -> re.Pattern[str]:
        return re.compile("|".join(rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    # month-first jurisdictions: the dates stage's conventions file, one list for both stages
    month_first = {row["code"] for row in load_rows("dates", "jurisdictions") if row.get("order") == "mdy"}
    return {"label": pattern(out["label"]), "other": pattern(out["other_label"]), "month_first": month_first}


@lru_cache(maxsize=1)
def weights() -> dict[str, Any]:
    return json.loads(MODEL.read_text(encoding="utf-8"))


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
        for m in CANDIDATE.finditer(line):
            value = parse(m, month_first)
            if value is None:
                continue
            per_line[i] = per_line.get(i, 0) + 1
            before, after = line[:m.start()], line[m.end():]
            words = max(len(line.split()), 1)
            f: dict[str, float] = {f"kind_{ln['kind']}": 1.0}
            f.update({
                "pos": i / n, "top5": float(i < 5), "top15": float(i < 15), "bottom10": float(n - i <= 10),
                "after_title": float(title is not None and 0 < i - title <= 5),
                "before_title": float(title is not None and 0 < title - i <= 3),
                "title_dist": min(abs(i - title), 30) / 30 if title is not None else 1.0,
                "label": float(bool(c["label"].search(before[-40:]))),
                "other_label": float(bool(c["other"].search(line))),
                "fill": len(m.group(0)) / max(len(line.strip()), 1),
                "short_line": float(words <= 12),
                "time_after": float(bool(TIME_AFTER.match(after))),
                "dateline": float(bool(DATELINE.match(before))),
                "byline": float(bool(BYLINE.search(line))),
                "email_date": float(line.lstrip().lower().startswith("date:")),
                "numeric": float(bool(m.group("num"))),
            })
            found.append(Candidate(value, i, ln["start"] + m.start(), ln["start"] + m.end(), f))
    repeats = Counter(cand.value for cand in found)      # not list.count per candidate: a page may hold thousands of dates
    for k, cand in enumerate(found):
        neighbours = sum(per_line.get(j, 0) for j in (cand.line - 2, cand.line - 1, cand.line + 1, cand.line + 2))
        cand.features.update({"list_like": float(neighbours >= 2), "neighbours": min(neighbours, 5) / 5,
                              "first": float(k == 0), "rank": min(k, 10) / 10,
                              "repeats": min(repeats[cand.value] - 1, 3) / 3})
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


def find(text: str, lines: list[dict[str, Any]], jurisdiction: str | None) -> tuple[str, str, Candidate] | None:
    """(published, basis, candidate) or None when no candidate is likely enough."""
    found = candidates(text, lines, jurisdiction)
    if not found:
        return None
    score_candidates(found)
    best = max(found, key=lambda c: (c.score, -c.line))
    if best.score < weights()["threshold"]:
        return None
    return best.value, basis_of(best), best
