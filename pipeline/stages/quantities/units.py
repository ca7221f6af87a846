"""Canonical units and their SI normalisation with pint.

pint needs help for this genre (DEVELOPERS.md): ``m3`` is ``m**3``, ``mu`` (Chinese
land unit) is 666.67 m², and "tons" here are metric tonnes — the unit table maps the
surfaces, this module only converts canonical units.
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.resources import load_rows


@lru_cache(maxsize=1)
def registry():
    import pint  # lazy: only SI normalisation needs it

    ureg = pint.UnitRegistry()
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
# reads as a unit whose base is one of these (prefixes allowed), e.g. "electronvolts", "cubic
# kilometres", "square miles", "kPa", "GJ". Everyday words that pint also defines ("are", "line",
# "point", "stone", "cup", "bar", "newton") are not read: the base must be listed, and the
# PREFIX_ONLY bases only with a prefix ("millibar", "kilonewton").
PINT_BASES = frozenset("""meter gram liter metric_ton mile yard foot inch nautical_mile acre hectare gallon quart pint
fluid_ounce ounce pound barrel bushel electron_volt joule watt watt_hour volt ampere ohm pascal atmosphere
pound_force_per_square_inch hertz calorie british_thermal_unit therm kelvin degree_Celsius degree_Fahrenheit knot
byte tesla becquerel sievert curie lumen lux carat angstrom micron light_year parsec astronomical_unit fathom furlong
bar bit gray newton mole siemens weber farad henry liter_per_second""".split())
ALL_CAPS_SYMBOLS = frozenset("GL ML GJ PJ TJ EJ MJ GWh TWh".split())
PREFIX_ONLY = frozenset("bar bit gray newton mole siemens weber farad henry".split())


def _symbol(ureg, name: str) -> str:
    sym = ureg.get_symbol(name)
    if name.endswith("liter"):
        sym = sym[:-1] + "L"                # the guide's litre symbol: GL, ML, mL
    return sym.replace("µ", "u").replace("μ", "u")


@lru_cache(maxsize=4096)
def pint_unit(surface: str, power: int = 1) -> tuple[str, str] | None:
    """(canonical ASCII symbol, pint expression) for a unit surface outside the genre table, or
    None. ``power`` 2/3 for "square"/"cubic" surfaces ("cubic kilometres" → ``km3``)."""
    ureg = registry()
    word = surface.strip()
    if len(word) <= 3 and word.islower():
        return None                         # "in", "at", "bar": short lower-case words are words, not symbols
    if word.isupper() and word not in ALL_CAPS_SYMBOLS:
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
    if base not in PINT_BASES or (base in PREFIX_ONLY and not prefix):
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
