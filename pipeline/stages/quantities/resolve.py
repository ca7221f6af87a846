"""Resolving what a number measures: rightwards extensions that scale it or give its unit
(scientific notation, magnitude words, glued "m"/"bn", genre units, units through pint), and, once
the span is fixed, the money of the jurisdiction and the SI-normalised value.

All words come from data (units.jsonl, words.jsonl magnitude / glued_m_next / money_suffix);
structure kept in code: "square"/"cubic"/"squared" power words of a pint unit surface.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pipeline.stages.quantities.found import Found
from pipeline.stages.quantities.numerals import magnitude_value, word_table
from pipeline.stages.quantities.patterns import (GLUED_M, PINT_SURFACE, SCIENTIFIC, Grammar, lookup_unit, money_shorthand,
                                                 time_units)
from pipeline.stages.quantities.units import pint_unit, to_si
from pipeline.stages.quantities.values import apply_magnitude, from_superscript
from pipeline.stages.segment.jurisdiction import resolve_money


def extend_right(g: Grammar, line: str, q: Found) -> None:
    """Scale q and give it a unit from what follows it; sets ``q.value = None`` when what follows
    shows it is no quantity ("24-hour standard", "5G")."""
    sci = SCIENTIFIC.match(line, q.end)
    if sci and q.value is not None:                         # "1.99×10−30", "6.02 x 10^23"
        exp = sci.group(1) or sci.group(2) or from_superscript(sci.group(3))
        q.value = float(f"{q.value!r}e{int(exp.replace('−', '-'))}")   # exact decimal, not v * 10.0**e
        q.end = sci.end()
        q.tag("sci")
    million = GLUED_M.match(line, q.end)
    if million and q.value is not None and million.group("next").lower() in word_table()["glued_m_next"]:
        # "12.3m tonnes", "35m of its devices": million, not metres
        apply_magnitude(q, 1e6, million.group("m"), q.end + len(million.group("m")))
    mag = g.p["magnitude"].match(line, q.end)
    if mag and q.value is not None:
        apply_magnitude(q, magnitude_value(mag.group("mag")), mag.group("mag"), mag.end())
    shorthand, factors, bare = money_shorthand()
    money = shorthand.match(line, q.end)
    if money and q.extras.get("mag") is None and g.pre_unit.search(line[:q.start]):
        # "$4.2b", "£6m", "S$1mil": after a currency sign the glued letters are a magnitude, never a unit
        apply_magnitude(q, factors[money.group(1)], money.group(1), money.end())
    unit = g.post_unit.match(line, q.end)
    if unit and line[q.end:q.end + 1] == "-" and lookup_unit(unit.group("unit"), g.post_table) in time_units():
        q.value = None                                          # "24-hour standard": adjectival, not a tally
        return
    if unit:
        canonical = lookup_unit(unit.group("unit"), g.post_table)
        if canonical:
            q.unit, q.end = canonical, unit.end()
            q.tag("unit")
            substance_after(line, q)
    elif pint_unit_after(line, q):
        substance_after(line, q)
    elif q.extras.get("mag") is None:
        glued = shorthand.match(line, q.end)
        if glued and glued.group(1) in bare:    # "RM3.06mil" with no known currency: still million
            apply_magnitude(q, factors[glued.group(1)], glued.group(1), glued.end())
        elif re.match(r"[A-Za-z]", line[q.end:q.end + 1]):      # 5G, 3D: a name, not a number
            q.value = None


# Masses whose substance the guide keeps in the unit ("t CO2e", "Mt CO2e"); any prefix of grams/tonnes.
MASS_UNITS = frozenset({"t", "kt", "Mt", "Gt", "g", "kg", "mg"})


@lru_cache(maxsize=1)
def substance_re() -> re.Pattern[str]:
    """The substance phrases of words.jsonl (type substance), longest first, after optional spaces."""
    surfaces = sorted(word_table().get("substance", {}), key=len, reverse=True)
    return re.compile(r"\s*(" + "|".join(re.escape(s) for s in surfaces) + r")(?![\w₂-])", re.IGNORECASE)


def substance_after(line: str, q: Found) -> None:
    """'44.2 million tonnes of carbon dioxide equivalent', '510 Mt CO2-eq': the substance a mass is of
    joins the unit after a space (guide: 't CO2e keeps the substance after a space') and the span."""
    if q.unit not in MASS_UNITS:
        return
    m = substance_re().match(line, q.end)
    if m is None:
        return
    q.unit = f"{q.unit} {word_table()['substance'][m.group(1).lower()]}"
    q.end = m.end()
    q.tag("substance")


def pint_unit_after(line: str, q: Found) -> bool:
    """A unit outside the genre table read through pint's registry (issue 25): written-out names
    ("miles", "electronvolts"), square/cubic forms ("cubic kilometres" → km3, "square miles" →
    mi2) and SI symbols ("kPa", "GJ", "Mt"); the canonical unit is pint's ASCII symbol."""
    m = PINT_SURFACE.match(line, q.end)
    if not m:
        return False
    power = 1
    if m.group("pow"):
        power = 2 if m.group("pow").lower().startswith(("sq", "squ")) else 3
    elif m.group("pow2"):
        power = {"squared": 2, "cubed": 3, "2": 2, "²": 2, "3": 3, "³": 3}[m.group("pow2").strip().lower()]
    found = pint_unit(m.group("w"), power)
    if found is None:
        return False
    q.unit, q.end = found[0], m.end()
    q.tag("pintunit")
    return True


@dataclass
class Resolved:
    """The values a QUANTITY span carries once its surface and jurisdiction are known."""

    value: float | None
    unit: str | None
    si_value: float | None
    si_unit: str | None
    rule: str


def resolve(q: Found, surface: str, jurisdiction: str | None) -> Resolved:
    """Money of the jurisdiction (a bare "$" is the local dollar, cents become the major unit:
    parts "juris"/"minor", made in pipeline/stages/segment/jurisdiction.py) and the SI form."""
    unit, value, suffix = resolve_money(surface, q.unit, q.value, jurisdiction)
    si_value, si_unit = to_si(value, unit, q.per)
    if value is not None and not math.isfinite(value):
        value = None                                    # beyond float range: JSON has no Infinity (issue 10)
    if si_value is not None and not math.isfinite(si_value):
        si_value = si_unit = None
    return Resolved(value, unit, si_value, si_unit, q.rule + suffix)
