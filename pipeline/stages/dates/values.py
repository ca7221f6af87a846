"""Pieces of TIMEX3 values from the words of a match: month numbers, counts, durations, clock times.

Pure functions of strings (no line context); the finder's handlers compose them. TIMEX3 unit
codes and the fraction-to-smaller-unit table are the value format's structure, not vocabulary.
"""
from __future__ import annotations

import math
import re

from pipeline.stages.dates.vocabulary import lexicon, rel_offset
from pipeline.stages.quantities.numerals import parse_number

UNIT_CODES = {"Y": "Y", "M": "M", "W": "W", "D": "D", "DE": "DE", "CE": "CE", "Q": "Q", "H": "H", "MIN": "MIN"}


def month_number(s: str) -> int:
    return int(lexicon()["month"][s.lower().rstrip(".").strip()])


def count(s: str | None) -> float | None:
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


def rel_year(rel: str | None) -> int | None:
    """"last year" → -1, "this" → 0 (lexicon list rel); None when the text gave no relative word."""
    return None if rel is None else rel_offset(rel)


def full_year(y1: int, y2: str) -> int:
    return int(y2) if len(y2) == 4 else (y1 // 100) * 100 + int(y2)


def duration_value(n: float | None, unit: str) -> str:
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


def clock_value(h: str | None, minute: str | None, ap: str | None, word: str | None) -> str:
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


def year_any(y: str) -> int:
    """A written year; two-digit years are 20YY (guide v1.2)."""
    return int(y) if len(y) == 4 else 2000 + int(y)


def tail_clock(m: re.Match[str]) -> str | None:
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

