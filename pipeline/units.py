"""Canonical units and their SI normalisation with pint.

pint needs help for this genre (DEVELOPERS.md): ``m3`` is ``m**3``, ``mu`` (Chinese
land unit) is 666.67 m², and "tons" here are metric tonnes — the unit table maps the
surfaces, this module only converts canonical units.
"""
from __future__ import annotations

from functools import lru_cache

from .resources import load_rows


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
    expr = pint_expressions().get(unit)
    if not expr:
        return None
    ureg = registry()
    q = ureg.Quantity(1.0, expr).to_base_units()
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
