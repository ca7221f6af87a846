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


def to_si(value: float | None, unit: str | None) -> tuple[float | None, str | None]:
    if value is None or unit is None:
        return None, None
    conv = si_factor(unit)
    if conv is None:
        return None, None
    factor, si_unit = conv
    return value * factor, si_unit
