"""Number grammar shared by the quantities and dates stages.

Regex fragments are built from the headed word lists in
``resources/quantities/words.jsonl`` (HeidelTime-style named fragments), so adding a
word needs no code change. ``parse_number`` turns a matched surface into a float.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .resources import load_rows


def _alt(words: list[str]) -> str:
    """Regex alternation, longest first so 'more than' beats 'more'."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def word_table() -> dict[str, dict[str, object]]:
    table: dict[str, dict[str, object]] = {}
    for row in load_rows("quantities", "words"):
        table.setdefault(row["type"], {})[row["surface"].lower()] = row["value"]
    return table


ONES = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@lru_cache(maxsize=1)
def fragments() -> dict[str, str]:
    t = word_table()
    numbers = [w for w, v in t["number"].items() if v is not None]
    tens = [w for w, v in t["number"].items() if isinstance(v, int) and v >= 20 and v % 10 == 0]
    spelled = rf"(?:(?:{_alt(tens)})[- ](?:{_alt(ONES)})|{_alt(numbers)})"
    digits = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
    return {
        "digits": digits,
        "spelled": spelled,
        "fraction": _alt(list(t["fraction"])),
        "magnitude": _alt(list(t["magnitude"])),
        "bound_pre": _alt(list(t["bound_pre"])),
        "bound_post": _alt(list(t["bound_post"])),
        "change_pre": _alt(list(t["change_pre"])),
        "change_post": _alt(list(t["change_post"])),
        "name_prefix": _alt(list(t["name_prefix"])),
    }


_SPELLED_SPLIT = re.compile(r"[- ]")


def parse_number(surface: str) -> float | None:
    """'1,764' → 1764.0; 'twenty-three' → 23.0; 'one-third' → 0.3333; None if not a number."""
    s = surface.strip().lower().replace("−", "-")
    t = word_table()
    if re.fullmatch(r"[-+]?" + fragments()["digits"], s) or re.fullmatch(r"[-+]?\.\d+", s):   # ".001"
        return float(s.replace(",", ""))
    if s in t["fraction"]:
        return float(t["fraction"][s])  # type: ignore[arg-type]
    s_norm = re.sub(r"\s+", " ", s)
    if s_norm in t["number"] and t["number"][s_norm] is not None:
        return float(t["number"][s_norm])  # type: ignore[arg-type]
    parts = _SPELLED_SPLIT.split(s_norm)
    if len(parts) == 2 and parts[0] in t["number"] and parts[1] in t["number"]:
        a, b = t["number"][parts[0]], t["number"][parts[1]]
        if isinstance(a, int) and isinstance(b, int) and a >= 20 and b < 10:
            return float(a + b)
    return None


def magnitude_value(word: str) -> float:
    return float(word_table()["magnitude"][re.sub(r"\s+", " ", word.lower())])  # type: ignore[arg-type]


def parse_spelled_chain(surface: str) -> float | None:
    """'twenty-eight thousand six hundred forty-two' → 28642; a single word falls back to parse_number."""
    words = [w for w in re.split(r"[\s-]+", surface.lower().strip()) if w and w != "and"]
    if len(words) == 1 or (len(words) == 2 and words[1] not in ("hundred", "thousand", "million", "billion")):
        return parse_number(surface)
    total, current = 0.0, 0.0
    table = word_table()["number"]
    scales = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
    for w in words:
        if w == "hundred":
            current = (current or 1) * 100
        elif w in scales:
            total += (current or 1) * scales[w]
            current = 0.0
        elif w in table and table[w] is not None:
            current += float(table[w])
        else:
            return parse_number(surface)
    return total + current
