"""Currencies from the Unicode CLDR (through babel) for what no hand-written row covers (issue 25 item 5).

The hand-written rows of ``resources/units.jsonl`` and ``resources/jurisdictions.jsonl`` cover the
currencies and jurisdictions the corpus met first; users feed pages from everywhere. CLDR knows, for
every territory, the currency that is legal tender there, how that territory's locales write its
symbol, and how they group digits. From it:

- ``currency_rows``: unit rows (the shape of units.jsonl) for every currency some territory uses:
  its ISO 4217 code before or after the number ("CZK 11.4 million", "4.3 million FJD"), the
  "XX$" form of a dollar ("FJ$", "TT$": the code's first two letters, the form the region's press
  writes), and a symbol a territory writes that names one currency only ("₮", "Kč"). Hand rows win.
- ``territory_claim``: the currency an ambiguous surface (a bare "$", "Rs", cents, pesos,
  shillings) takes in a territory no jurisdiction row lists (a bare "$" in Fiji is FJD).
- ``dot_grouping``: the territory writes thousands with a dot ("Rp 32.000" in Indonesia is 32000).
- ``glued_symbol``: the one-letter symbol a territory writes against the number ("K2.5 million"
  in Zambia), read only in that territory.

Everything is asked for a fixed reference day (``resources/cldr_currency.jsonl``), never the clock, and
read from ``resources/cldr_tables.jsonl``, which ``bench/build_cldr_tables.py`` generates from babel's
CLDR (loading babel's locales at start-up cost 2 s and 200 MB per worker).
"""
from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache
from typing import Any

from pipeline.resources import load_rows

DOLLAR_CLAIMS = ("$", "cent")
NAME_CLAIMS = {"rupee": "Rupee", "peso": "Peso", "shilling": "Shilling"}


@lru_cache(maxsize=1)
def settings() -> tuple[date, frozenset[str]]:
    rows = load_rows("quantities", "cldr_currency")
    day = next(date.fromisoformat(str(r["reference_date"])) for r in rows if "reference_date" in r)
    return day, frozenset(str(r["exclude"]) for r in rows if "exclude" in r)


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, dict[str, Any]], dict[str, str], tuple[str, ...]]:
    """(territory -> row, currency -> English name, territory names) from resources/cldr_tables.jsonl
    (generated from CLDR by bench/build_cldr_tables.py: reading babel's locales at start-up cost
    2 s and 200 MB)."""
    by_territory: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}
    territory_names: tuple[str, ...] = ()
    for row in load_rows("quantities", "cldr_tables"):
        if "territory" in row:
            by_territory[str(row["territory"])] = row
        elif "currency_names" in row:
            names = dict(row["currency_names"])
        elif "territory_names" in row:
            territory_names = tuple(row["territory_names"])
    return by_territory, names, territory_names


def tender(territory: str) -> tuple[str, ...]:
    """The currencies legal tender in a territory on the reference day (ISO codes)."""
    row = _tables()[0].get(territory.upper())
    return tuple(row["currencies"]) if row else ()


def is_territory(code: str | None) -> bool:
    return bool(code) and len(str(code)) == 2 and bool(tender(str(code)))


def local_symbols(currency: str, territory: str) -> frozenset[str]:
    """How the territory's locales write the currency's symbol."""
    row = _tables()[0].get(territory.upper())
    return frozenset(row["symbols"].get(currency, ())) if row else frozenset()


def territory_names() -> tuple[str, ...]:
    """Every country and territory name CLDR knows in English."""
    return _tables()[2]


def _name(currency: str) -> str:
    return _tables()[1].get(currency, "")


def territory_claim(territory: str | None, claim: str) -> str | None:
    """The currency a territory's ambiguous surface means: "$" and cents a dollar (a currency the
    territory writes "$", or named dollar), "rupee"/"peso"/"shilling" the currency of that name."""
    if not territory or not is_territory(territory):
        return None
    t = territory.upper()
    for cur in tender(t):
        name = _name(cur)
        if claim in DOLLAR_CLAIMS and ("$" in local_symbols(cur, t) or "Dollar" in name):
            return cur
        if claim in NAME_CLAIMS and NAME_CLAIMS[claim] in name:
            return cur
    return None


def dot_grouping(territory: str | None) -> bool:
    """True where the territory's main locale groups thousands with a dot ("32.000")."""
    row = _tables()[0].get(territory.upper()) if territory else None
    return bool(row and row.get("group") == ".")


def glued_symbol(territory: str | None) -> tuple[str, str] | None:
    """(letter, currency): the one-letter symbol the territory writes its own currency with
    ("K", ZMW in Zambia), else None."""
    if not territory or not is_territory(territory):
        return None
    t = territory.upper()
    for cur in tender(t):
        for s in sorted(local_symbols(cur, t)):
            if len(s) == 1 and s.isalpha() and s.isupper():
                return s, cur
    return None


def _distinctive(symbol: str, code: str) -> bool:
    """A symbol worth matching by itself: not the code, not a bare "$"/"£"/"€"/"¥" (their
    currency depends on the jurisdiction, resolved elsewhere), not plain ASCII letters (a word or
    an initial: "K", "kr", "Br"), not one letter of another script, but with a currency sign or
    letters outside ASCII ("₮", "Kč")."""
    if symbol == code or symbol in ("$", "£", "€", "¥", "￥") or len(symbol) > 4:
        return False
    has_sign = any(unicodedata.category(ch) == "Sc" for ch in symbol)
    non_ascii_letter = any(ch.isalpha() and not ch.isascii() for ch in symbol)
    return has_sign or (non_ascii_letter and len(symbol) > 1)      # one letter of a script is a word, not a sign


@lru_cache(maxsize=1)
def currency_rows() -> tuple[dict[str, Any], ...]:
    """Unit rows (units.jsonl shape) for the currencies in use somewhere on the reference day."""
    _, excluded = settings()
    owners: dict[str, set[str]] = {}          # symbol -> currencies written with it
    codes: set[str] = set()
    for t, row in sorted(_tables()[0].items()):
        for cur in row["currencies"]:
            codes.add(cur)
            for s in row["symbols"].get(cur, ()):
                if _distinctive(s, cur):
                    owners.setdefault(s, set()).add(cur)
    rows: list[dict[str, Any]] = []
    for cur in sorted(codes - excluded):
        if not (len(cur) == 3 and cur.isalpha() and cur.isupper()) or cur.startswith("X") and cur not in ("XOF", "XAF", "XCD", "XPF"):
            continue                            # X-codes are metals, funds and test codes, except the shared francs and dollar
        pre = [cur]
        if "Dollar" in _name(cur):
            pre.append(cur[:2] + "$")           # "FJ$", "TT$", "NZ$"
        pre = list(dict.fromkeys(pre + sorted(s for s, owned in owners.items() if owned == {cur})))
        rows.append({"unit": cur, "surfaces": pre, "position": "pre", "pint": None, "kind": "money",
                     "case_sensitive_surfaces": pre, "source": "cldr"})
        post = [cur] + sorted(s for s, owned in owners.items() if owned == {cur} and not any(
            unicodedata.category(ch) == "Sc" for ch in s))       # "1 200 Kč"; a sign such as "₮" goes before
        rows.append({"unit": cur, "surfaces": post, "position": "post", "pint": None, "kind": "money",
                     "case_sensitive_surfaces": post, "source": "cldr"})
    return tuple(rows)
