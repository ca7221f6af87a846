"""Currency marks around a number, read from the pre-position rows of ``resources/units.jsonl``.

Three lists steer the patterns (all data, no currency literal in code):
- ``glued``: surfaces written against the number on its left ("USD5m", "RM3.06mil"), which the
  number core may follow although a word character precedes it; ``glued_word_start`` rows must
  start a word ("Rs50", not "Mrs50").
- ``range_repeat``: surfaces that may repeat before the second number of a range ("$5 to $10").
- ``glued_local``: one-letter symbols read only in the currency's own jurisdiction ("R450 000").

Structure kept in code: how a look-behind is written (one fixed-width look-behind per surface).
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.resources import load_rows


def _pre_rows() -> list[dict[str, object]]:
    return [row for row in load_rows("quantities", "units") if row["position"] == "pre"]


def _surfaces(row: dict[str, object], key: str) -> list[str]:
    value = row.get(key) or []
    return [str(s) for s in value] if isinstance(value, list) else []


@lru_cache(maxsize=1)
def glued_lookbehinds() -> str:
    """Alternatives ``(?<=USD|RMB)|(?<=\\bRs|\\bDh)|...``: a number may touch these currency marks on its left.

    One look-behind per surface length (and word-start flag), its surfaces as alternatives inside:
    a look-behind must have a fixed width, and one per surface made the number core try some sixty
    look-behinds at every position (the quantities stage ran half as slow again)."""
    groups: dict[tuple[int, bool], list[str]] = {}
    for row in _pre_rows():
        start = bool(row.get("glued_word_start"))
        for surface in _surfaces(row, "glued"):
            groups.setdefault((len(surface), start), []).append(re.escape(surface))
    parts = []
    for (_, start), alts in sorted(groups.items()):
        boundary = r"\b" if start else ""
        parts.append("(?<=" + "|".join(f"{boundary}{a}" for a in dict.fromkeys(alts)) + ")")
    return "|".join(parts)


@lru_cache(maxsize=1)
def range_repeat_alternation() -> str:
    """Alternation (longest first, case-sensitive) of the currency marks a range may repeat."""
    words = {s for row in _pre_rows() for s in _surfaces(row, "range_repeat")}
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def range_repeat_pattern() -> re.Pattern[str]:
    """A currency mark (and spaces) before the second number of a range: "$5 to $10"."""
    return re.compile(rf"(?:{range_repeat_alternation()})\s*")


@lru_cache(maxsize=1)
def local_glued_letters() -> dict[str, str]:
    """Currency code → the one-letter symbols written glued to the number in its jurisdiction only."""
    table: dict[str, str] = {}
    for row in _pre_rows():
        letters = "".join(_surfaces(row, "glued_local"))
        if letters:
            table[str(row["unit"])] = table.get(str(row["unit"]), "") + letters
    return table
