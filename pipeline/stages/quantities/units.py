"""Canonical units and their SI normalisation with pint.

pint needs help for this genre (DEVELOPERS.md): ``m3`` is ``m**3``, ``mu`` (Chinese
land unit) is 666.67 m², and "tons" here are metric tonnes — the unit table maps the
surfaces, this module only converts canonical units. Units outside the table are read through
pint only when their base is listed in resources/pint_units.jsonl.

Structure kept in code: the SI prefixes of tonnes (kt, Mt, Gt are never knots), the litre symbol
(L), the powers 2 and 3 of a symbol ("km3"), J and W as the names of energy and power.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pipeline.resources import load_groups, load_rows


@lru_cache(maxsize=1)
def registry() -> Any:
    import pint  # lazy: only SI normalisation needs it

    ureg: Any = pint.UnitRegistry()
    ureg.define("mu = 666.67 * meter ** 2")
    return ureg


@lru_cache(maxsize=1)
def pint_expressions() -> dict[str, str | None]:
    table: dict[str, str | None] = {}
    for row in load_rows("quantities", "units"):
        table.setdefault(row["unit"], row.get("pint"))
    return table


@lru_cache(maxsize=256)
def si_factor(unit: str) -> tuple[float, str] | None:
    """(factor, SI unit string) for a canonical unit, or None when it has no SI form."""
    expr = _expression(unit)
    if not expr:
        return None
    ureg = registry()
    try:
        q = ureg.Quantity(1.0, expr).to_base_units()
    except Exception:
        return None
    # Energy and power read better as J and W than as kg*m**2/s**n.
    for named in ("joule", "watt"):
        if q.dimensionality == ureg.Quantity(1.0, named).dimensionality:
            q = q.to(named)
    return float(q.magnitude), f"{q.units:~}".replace(" ", "")


@lru_cache(maxsize=1)
def per_expressions() -> dict[str, str | None]:
    return {row["per"]: row.get("pint") for row in load_rows("quantities", "rates")}


@lru_cache(maxsize=256)
def per_si_factor(per: str) -> tuple[float, str] | None:
    """(factor, SI unit) of one unit of a rate's denominator; None for a count basis (person)."""
    expr = per_expressions().get(per) or pint_expressions().get(per)
    if not expr:
        return None
    q = registry().Quantity(1.0, expr).to_base_units()
    return float(q.magnitude), f"{q.units:~}".replace(" ", "")


def to_si(value: float | None, unit: str | None, per: str | None = None) -> tuple[float | None, str | None]:
    """SI value and unit; a rate divides by its denominator (t per d → kg/s) when both convert."""
    if value is None or unit is None:
        return None, None
    unit = unit.split(" ", 1)[0]           # "Mt CO2e": the SI form is the mass's (the substance is a label)
    conv = si_factor(unit)
    if conv is None:
        return None, None
    factor, si_unit = conv
    if per is None:
        return value * factor, si_unit
    per_conv = per_si_factor(per)
    if per_conv is None:
        return None, None          # a rate per a count basis has no SI form (t per person)
    per_factor, per_unit = per_conv
    return value * factor / per_factor, f"{si_unit}/{per_unit}"


# Units beyond the genre table (issue 25): a word or symbol after a number that pint's registry
# reads as a unit whose base is listed in resources/pint_units.jsonl (prefixes allowed), e.g.
# "electronvolts", "cubic kilometres", "square miles", "kPa", "GJ". Everyday words that pint also
# defines ("are", "line", "point", "stone", "cup", "bar", "newton") are not read: the base must be
# listed, and prefix_only bases only with a prefix ("millibar", "kilonewton").
PINT_LISTS = ("base", "caps_symbol")


@lru_cache(maxsize=1)
def pint_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(bases, prefix-only bases, all-capitals symbols) of the pint units the stage may read."""
    groups = load_groups("quantities", "pint_units", "list", PINT_LISTS)
    bases = frozenset(str(row["name"]) for row in groups["base"])
    prefix_only = frozenset(str(row["name"]) for row in groups["base"] if row.get("prefix_only"))
    return bases, prefix_only, frozenset(str(row["name"]) for row in groups["caps_symbol"])


def _symbol(ureg: Any, name: str) -> str:
    sym = ureg.get_symbol(name)
    if name.endswith("liter"):
        sym = sym[:-1] + "L"                # the guide's litre symbol: GL, ML, mL
    return sym.replace("µ", "u").replace("μ", "u")


@lru_cache(maxsize=4096)
def pint_unit(surface: str, power: int = 1) -> tuple[str, str] | None:
    """(canonical ASCII symbol, pint expression) for a unit surface outside the genre table, or
    None. ``power`` 2/3 for "square"/"cubic" surfaces ("cubic kilometres" → ``km3``)."""
    ureg = registry()
    pint_bases, prefix_only, caps_symbols = pint_lists()
    word = surface.strip()
    if len(word) <= 3 and word.islower():
        return None                         # "in", "at", "bar": short lower-case words are words, not symbols
    if word.isupper() and word not in caps_symbols:
        return None                         # "EV", "TV", "MV": acronyms, not exavolts
    if len(word) > 3:
        word = word.lower()
    word = re.sub(r"[\s-]+", "_", word)
    try:
        units = ureg.parse_units(word)
    except Exception:
        return None
    items = list(units._units.items())
    if len(items) != 1 or items[0][1] != 1:
        return None
    name = items[0][0]
    try:
        prefix, base, _suffix = ureg.parse_unit_name(name)[0]
    except Exception:
        return None
    if base not in pint_bases or (base in prefix_only and not prefix):
        return None
    symbol = _symbol(ureg, name) + (str(power) if power > 1 else "")
    expr = name + (f" ** {power}" if power > 1 else "")
    PINT_FOUND[symbol] = expr
    return symbol, expr


PINT_FOUND: dict[str, str] = {}


def _expression(unit: str) -> str | None:
    """pint expression of a canonical unit: the table's, else one found through pint_unit, else
    the canonical symbol read back (``km3`` → ``km ** 3``; ``kt``/``Mt`` are tonnes, never knots)."""
    table = pint_expressions()
    if unit in table:
        return table[unit]
    if unit in PINT_FOUND:
        return PINT_FOUND[unit]
    m = re.fullmatch(r"([kMG])t", unit)
    if m:
        return {"k": "kilo", "M": "mega", "G": "giga"}[m.group(1)] + "metric_ton"
    m = re.fullmatch(r"([A-Za-z]+)([23])", unit)
    return f"{m.group(1)} ** {m.group(2)}" if m else None
