"""The value of a number core (digits, spelled, fraction, mixed, ratio, vague, -fold) and of the
magnitude that scales it. Each core kind carries its base rule id (provenance.jsonl kind "base").

Structure kept in code: the vulgar-fraction characters and superscript digits (Unicode, not
vocabulary) and the "one in N" proportion shape.
"""
from __future__ import annotations

import re

from pipeline.stages.quantities.found import Found
from pipeline.stages.quantities.numerals import parse_grouped, parse_number, parse_spelled_chain, word_table
from pipeline.stages.quantities.provenance import check

SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
VULGAR = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125, "⅜": 0.375, "⅝": 0.625, "⅞": 0.875}


def core_value(m: re.Match[str], dec_comma: bool = False) -> tuple[float | None, str]:
    """(value, base rule id) of a core match; ``dec_comma`` reads "7,5" as 7.5."""
    if m.group("mixed"):
        return mixed_value(m.group("mixed")), check("q_mixed", "base")
    if m.group("ratio"):
        return ratio_value(m.group("ratio")), check("q_ratio", "base")
    if m.group("vague"):
        vague = word_table()["vague"][re.sub(r"\s+", " ", m.group("vague").lower())]
        return float(vague), check("q_vague", "base")
    if m.group("num"):
        v = parse_grouped(m.group("num"), dec_comma)
        if v is not None and m.group("sign") in ("-", "−"):
            v = -v
        return v, check("q_digits", "base")
    if m.group("frac"):
        return parse_number(m.group("frac")), check("q_fraction", "base")
    if m.group("hyph"):
        return parse_number(m.group("hyph")), check("q_hyphen_count", "base")
    if m.group("fold"):
        return parse_number(re.sub(r"[-\s]?fold$", "", m.group("fold").lower())), check("q_fold", "base")
    return parse_spelled_chain(m.group("spelled")), check("q_spelled", "base")


def mixed_value(surface: str) -> float | None:
    """'2 1/2' → 2.5; '3½' → 3.5; '½' → 0.5."""
    s = surface.strip()
    if s[-1] in VULGAR:
        whole = s[:-1].strip()
        return (float(whole) if whole else 0.0) + VULGAR[s[-1]]
    m = re.fullmatch(r"(\d+)(?:\s+|-)(\d+)/(\d+)", s)
    if not m or int(m.group(3)) == 0 or int(m.group(2)) >= int(m.group(3)):
        return None
    return int(m.group(1)) + int(m.group(2)) / int(m.group(3))


def ratio_value(surface: str) -> float | None:
    """'one in five' → 0.2; '1 in 4' → 0.25; 'one in a hundred' → 0.01."""
    m = re.fullmatch(r"(?:one|1)\s+in\s+(?:every\s+)?(.+)", surface.strip(), re.I)
    if not m:
        return None
    tail = re.sub(r"^a\s+", "one ", m.group(1).strip().lower())
    d = parse_grouped(tail) if tail[:1].isdigit() else parse_spelled_chain(tail)
    return 1.0 / d if d else None


def apply_magnitude(q: Found, factor: float, word: str, end: int) -> None:
    """Scale q by a magnitude word or suffix ("million", "bn", glued "m") that ends at `end`."""
    q.value = q.value * factor if q.value is not None else None
    q.end = end
    q.extras["mag"] = word
    q.tag("mag")


def from_superscript(digits: str) -> str:
    return digits.translate(SUPERSCRIPT)
