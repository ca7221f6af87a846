"""The jurisdiction an article reports from, and the currency ambiguous money takes there (guide v1.2).

Given with the input (manifest / JSONL ``jurisdiction`` or ``country``: basis ``metadata``),
else inferred from the text: the country whose place names (pipeline/stages/quantities/resources/
jurisdictions.jsonl) occur most often, when at least two occurrences say so (basis ``text``),
else unknown (``None``: a bare ``$`` stays USD, the guide's default). The record says which.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Any

from pipeline.resources import load_rows
from pipeline.stages.quantities import cldr
from pipeline.stages.quantities.currency import local_glued_letters

MIN_CUE_HITS = 2       # one passing mention of a country is not where the article reports from


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in load_rows("quantities", "jurisdictions")}


@lru_cache(maxsize=1)
def cue_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    owner = {cue: row["code"] for row in table().values() for cue in row["cues"]}
    alt = "|".join(re.escape(c) for c in sorted(owner, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alt})(?![\w])"), owner


def country_of(code: str | None) -> str | None:
    """ISO country part of a code such as ``AU-NSW`` or ``GB-SCT``: one of jurisdictions.jsonl, or
    any territory the Unicode CLDR knows a currency for (``cldr.py``)."""
    if not code:
        return None
    head = str(code).split("-")[0].upper()
    return head if head in table() or cldr.is_territory(head) else None


def infer(text: str, meta: dict[str, Any]) -> dict[str, Any]:
    """``{"code", "basis", "cue"}`` for one article."""
    given = meta.get("jurisdiction") or meta.get("country")
    if country_of(given):
        return {"code": str(given), "basis": "metadata", "cue": None}
    pattern, owner = cue_pattern()
    hits = Counter(owner[m.group(0)] for m in pattern.finditer(text))
    if hits:
        code, n = hits.most_common(1)[0]
        if n >= MIN_CUE_HITS:
            return {"code": code, "basis": "text", "cue": f"{n} place names"}
    return {"code": None, "basis": "none", "cue": None}


def currency_for(code: str | None, claim: str) -> str | None:
    """The currency an ambiguous surface (``$``, ``cent``, ``¥``, ``peso``) takes in a jurisdiction."""
    country = country_of(code)
    row = table().get(country or "")
    if row and claim in row["claims"]:
        return str(row["currency"])
    if row is None:
        return cldr.territory_claim(country, claim)      # a jurisdiction no row lists: what CLDR says it uses
    return None


def decimal_comma(code: str | None) -> bool:
    """True where the jurisdiction writes a decimal comma (``decimal_comma`` in jurisdictions.jsonl)."""
    row = table().get(country_of(code) or "")
    return bool(row and row.get("decimal_comma"))


def glued_currency_letters(code: str | None) -> str:
    """The one-letter currency symbol written glued to the number in a jurisdiction ("R450 000" in
    South Africa, "N1.2 billion" in Nigeria), read only there: elsewhere "R2" and "N95" are names."""
    row = table().get(country_of(code) or "")
    if row is None:
        glued = cldr_glued_currency(code)          # a jurisdiction no row lists: its CLDR one-letter symbol
        return glued[0] if glued else ""
    return local_glued_letters().get(str(row.get("currency")), "")      # units.jsonl glued_local


def cldr_glued_currency(code: str | None) -> tuple[str, str] | None:
    """(letter, currency) of a jurisdiction no row lists whose CLDR symbol is one letter ("K", ZMW in
    Zambia): "K2.5 million" is money there; the hand rows' letters ("R" in South Africa) are units.jsonl rows."""
    country = country_of(code)
    return cldr.glued_symbol(country) if country and country not in table() else None


def dot_grouping(code: str | None) -> bool:
    """True where the jurisdiction groups thousands with a dot (CLDR: "Rp 32.000", "$ 5.800")."""
    return cldr.dot_grouping(country_of(code))


US_MARKED = re.compile(r"US|U\.S\.|American")
INR_MARKED = re.compile(r"INR|₹")
KES_MARKED = re.compile(r"KES|KSh|Ksh|Kenya")
YEN_SIGN = re.compile(r"[¥￥]")


def resolve_money(surface: str, unit: str | None, value: float | None,
                  code: str | None) -> tuple[str | None, float | None, str]:
    """(unit, value, rule suffix) of a money quantity once the jurisdiction is known: a bare
    ``$``/"dollars" takes the jurisdiction's dollar, cents and pence become the major unit,
    ``¥`` is yen in Japan, pesos are the jurisdiction's peso, ``Rs``/rupees the jurisdiction's rupee, ``Sh``/shillings its shilling. Unambiguous units pass through."""
    if unit == "USD" and not US_MARKED.search(surface):
        return currency_for(code, "$") or "USD", value, "+juris" if currency_for(code, "$") else ""
    if unit == "USc":
        minor = None if value is None else value / 100
        return currency_for(code, "cent") or "USD", minor, "+minor"
    if unit == "GBp":
        return "GBP", None if value is None else value / 100, "+minor"
    if unit == "CNY" and YEN_SIGN.search(surface) and currency_for(code, "¥"):
        return currency_for(code, "¥"), value, "+juris"
    if unit == "INR" and not INR_MARKED.search(surface) and currency_for(code, "rupee"):
        return currency_for(code, "rupee"), value, "+juris"       # "Rs 3 crore" in Pakistan is PKR
    if unit == "KES" and not KES_MARKED.search(surface) and currency_for(code, "shilling"):
        return currency_for(code, "shilling"), value, "+juris"    # "Sh 5 billion" in Tanzania is TZS
    if unit == "PHP" and "peso" in surface.lower() and currency_for(code, "peso"):
        return currency_for(code, "peso"), value, "+juris"
    return unit, value, ""
