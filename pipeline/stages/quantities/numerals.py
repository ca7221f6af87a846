"""Number grammar shared by the quantities and dates stages.

Regex fragments are built from the headed word lists in
``stages/quantities/resources/words.jsonl`` (HeidelTime-style named fragments), so adding a
word needs no code change. ``parse_number`` turns a matched surface into a float.

``word_table`` reads every ``type`` group of words.jsonl through ``load_groups``: a row of a
type no reader knows fails at load time with file and line. Structure kept in code (not
vocabulary): the digit-grouping patterns, the ones digits that combine with a tens word
("twenty-three", built from the number list: the words valued 1-9), and the scale words of a
spelled chain ("hundred", "thousand" ...), which are the magnitude list's own words.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pipeline.resources import check_values, load_groups

# Every `type` of words.jsonl (the file's _meta says which module uses each); a row of a type
# outside this set fails at load time with file and line.
WORD_TYPES = frozenset({
    "number", "fraction", "magnitude", "vague", "bound_pre", "bound_post", "change_pre", "change_post",
    "name_prefix", "range_joiner", "glued_m_next", "item_stop", "plural_head", "change_verb", "verb_by_hedge",
    "change_period", "not_name", "money_suffix", "phone_cue", "not_rate_item", "substance",
})
# Roles a range joiner can play (ranges.py): "to" may join two levels, "between" only after "between".
JOINER_ROLES = frozenset({"to", "between", "dash"})
# Where a period qualifier ("year-on-year") may stand around a change word (patterns.py).
PERIOD_SLOTS = frozenset({"lead", "trail", "post"})


def _alt(words: Iterable[str]) -> str:
    """Regex alternation, longest first so 'more than' beats 'more'."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def word_groups() -> dict[str, tuple[dict[str, Any], ...]]:
    """Rows of words.jsonl by type; unknown types, joiner roles and period slots fail at load time."""
    check_values("quantities", "words", "role", JOINER_ROLES, optional=True)
    check_values("quantities", "words", "slots", PERIOD_SLOTS, optional=True)
    return load_groups("quantities", "words", "type", WORD_TYPES)


@lru_cache(maxsize=1)
def word_table() -> dict[str, dict[str, Any]]:
    """type → {lower-case surface: value} (a later row wins for a repeated surface)."""
    table: dict[str, dict[str, Any]] = {}
    for kind, rows in word_groups().items():
        table[kind] = {}
        for row in rows:
            table[kind][row["surface"].lower()] = row["value"]
    return table


@lru_cache(maxsize=None)
def words_of(kind: str) -> frozenset[str]:
    """The lower-case surfaces of one type (a closed word list)."""
    return frozenset(word_table()[kind])


def ones() -> list[str]:
    """The number words valued 1-9: the units of "twenty-three"."""
    return [w for w, v in word_table()["number"].items() if isinstance(v, int) and 1 <= v <= 9]


@lru_cache(maxsize=1)
def fragments() -> dict[str, str]:
    t = word_table()
    numbers = [w for w, v in t["number"].items() if v is not None]
    tens = [w for w, v in t["number"].items() if isinstance(v, int) and v >= 20 and v % 10 == 0]
    spelled = rf"(?:(?:{_alt(tens)})[- ](?:{_alt(ones())})|{_alt(numbers)})"
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
        return float(t["fraction"][s])
    s_norm = re.sub(r"\s+", " ", s)
    if s_norm in t["number"] and t["number"][s_norm] is not None:
        return float(t["number"][s_norm])
    parts = _SPELLED_SPLIT.split(s_norm)
    if len(parts) == 2 and parts[0] in t["number"] and parts[1] in t["number"]:
        a, b = t["number"][parts[0]], t["number"][parts[1]]
        if isinstance(a, int) and isinstance(b, int) and a >= 20 and b < 10:
            return float(a + b)
    return None


def magnitude_value(word: str) -> float:
    return float(word_table()["magnitude"][re.sub(r"\s+", " ", word.lower())])


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
