"""Number grammar shared by the quantities and dates stages.

Regex fragments are built from the headed word lists in
``resources/quantities/words.jsonl`` (HeidelTime-style named fragments), so adding a
word needs no code change. ``parse_number`` turns a matched surface into a float.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.resources import load_rows


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
    # guide v1.2: thousands grouped by space, no-break space, thin space, narrow no-break space
    # or apostrophe ("R450 000", "1 234 567", "1'250'000"); every group three digits, none after
    grouped = rf"(?:\d{{1,2}}(?:,\d{{2}})+,\d{{3}}(?![\d])|\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:{GROUP_SEP}\d{{3}})+(?![\d])|\d+)(?:\.\d+)?"
    # (first alternative: Indian lakh grouping "4,20,00,000")
    # where the decimal comma is the convention ("R7,5 million", "11,4%", "1 234,5"): a comma
    # followed by one or two digits (three digits stay a thousands group: "2,100 GL")
    decimal_comma = rf"(?:\d{{1,3}}(?:{GROUP_SEP}\d{{3}})+|\d+),\d{{1,2}}(?![\d])"
    return {
        "digits": digits,
        "digits_grouped": grouped,
        "digits_decimal_comma": decimal_comma,
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
GROUP_SEP = "[ \u00a0\u2009\u202f'\u2019]"
_GROUP_SEP_RE = re.compile(rf"(?<=\d){GROUP_SEP}(?=\d{{3}})")


def parse_grouped(surface: str, decimal_comma: bool = False) -> float | None:
    """A digit string as a jurisdiction writes it: '450 000' → 450000.0, "1'250'000" → 1250000.0;
    with ``decimal_comma`` '7,5' → 7.5 and '1 234,5' → 1234.5 (a comma before 3 digits stays a group)."""
    s = _GROUP_SEP_RE.sub("", surface.strip().replace("−", "-"))
    if re.fullmatch(r"[-+]?\d{1,2}(?:,\d{2})+,\d{3}", s):      # lakh grouping
        return float(s.replace(",", ""))
    if decimal_comma and re.fullmatch(r"[-+]?\d+,\d{1,2}", s):
        return float(s.replace(",", "."))
    return parse_number(s)


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
