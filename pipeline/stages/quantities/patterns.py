"""Compiled patterns of the quantities stage, built from ``stages/quantities/resources/``.

Vocabulary comes from data: units and currencies (units.jsonl, with the glued and range currency
marks read through currency.py), rate denominators (rates.jsonl), number, magnitude, bound,
change, period, change-verb, phone-cue and money-suffix words (words.jsonl through numerals.py).

Filter cue words (standards, scores, streets, eras, reference words, place heads, hotline) come
from filters.jsonl (``filter_patterns``). The small counts of "sixfold" and "five-tier" are the
number words valued 2-10 and 2-12; the vague counts are words.jsonl ``vague``.

Closed grammatical patterns kept in code (structure, not vocabulary): the shapes of a number
core (digit grouping, "2 1/2", "one in N" / "one in a hundred", "-fold", a hyphenated count),
the scale words of a spelled chain and of "half a million" (hundred ... trillion, dozen, lakh,
crore), ordinal suffixes, "between ... and", "a total of", the rate connectors "per/a/an/each/
every" and "of <substance>", the time denominators that may follow a unit after "/" ("t/d"),
the connectors after a phone cue ("call us on", "number"), telephone-number and identifier
shapes, scores, scientific notation, "minus"/"sub-" before a number.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from pipeline.resources import check_values, load_groups, load_rows
from pipeline.stages.quantities.currency import glued_lookbehinds, range_repeat_alternation
from pipeline.stages.quantities.cldr import currency_rows
from pipeline.stages.quantities.numerals import fragments, word_groups, word_table, words_of

CONTEXT_LEFT, CONTEXT_RIGHT = 96, 384   # characters of a line a number's rules may look at
YEAR_LIKE = re.compile(r"^(1[89]\d\d|20\d\d|2100)$")
HYPHEN_ITEM = re.compile(r"-([a-z]+)", re.IGNORECASE)
UNIT_POSITIONS = frozenset({"pre", "post"})
UNIT_KINDS = frozenset({"percent", "concentration", "length", "area", "volume", "mass", "money", "energy", "power",
                        "time", "ratio", "other"})


class Searcher(Protocol):
    """A compiled pattern, or a gate in front of one (``FinalWordGate``)."""

    def search(self, string: str, pos: int = ..., endpos: int = ...) -> re.Match[str] | None: ...


def alt(words: Iterable[str], spaces: bool = True) -> str:
    """Regex alternation, longest first; ``spaces`` lets a space in a surface match any run of whitespace."""
    escaped = (re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))
    return "|".join(e.replace(r"\ ", r"\s+") if spaces else e for e in escaped)


@lru_cache(maxsize=1)
def unit_rows() -> tuple[dict[str, Any], ...]:
    """units.jsonl, its position and kind values checked against what the code handles."""
    check_values("quantities", "units", "position", UNIT_POSITIONS)
    check_values("quantities", "units", "kind", UNIT_KINDS)
    # the hand-written rows first (the first row of a surface wins), then every currency CLDR knows
    return tuple(load_rows("quantities", "units")) + currency_rows()


def pre_surfaces() -> list[str]:
    return [s for row in unit_rows() if row["position"] == "pre" for s in row["surfaces"]]


@lru_cache(maxsize=1)
def unit_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str], dict[str, str]]:
    """Compiled post-unit and pre-currency patterns and surface → canonical maps."""
    post: dict[str, str] = {}
    pre: dict[str, str] = {}
    post_cs: set[str] = set()
    pre_cs: set[str] = set()
    for row in unit_rows():
        cs = set(row.get("case_sensitive_surfaces", []))
        target, target_cs = (pre, pre_cs) if row["position"] == "pre" else (post, post_cs)
        for surface in row["surfaces"]:
            if row.get("source") == "cldr" and (surface in target or surface.lower() in target):
                continue                # a hand-written row reads this surface ("C$" is CAD, "KGS" kilograms)
            key = surface if surface in cs else surface.lower()
            target.setdefault(key, row["unit"])
            if surface in cs:
                target_cs.add(surface)
    # A unit ends at a non-word character; "(?i:...)" keeps the case-sensitive surfaces strict.
    insensitive = [w for w in post if w not in post_cs]
    # A "/" may follow only when a rate's time denominator does ("500 t/d", "1,000 tons/day": guide v1.2 per).
    post_re = re.compile(rf"(?:\s*|\s*-\s*)(?P<unit>(?i:{alt(insensitive)})|{alt(post_cs)})"
                         r"(?![\w²³]|/(?!\s*(?:d|day|a|yr|year|h|hr|month|week|wk)(?![\w/])))")
    pre_insensitive = {s for s in pre_surfaces() if s not in pre_cs}
    # an ISO code is money only in capitals ("CZK 12 million", never "all 5 ...")
    pre_re = re.compile(rf"(?P<cur>(?i:{alt(pre_insensitive)})|{alt(pre_cs)})\s*$")
    return post_re, pre_re, post, pre


@lru_cache(maxsize=1)
def money_units() -> frozenset[str]:
    return frozenset(row["unit"] for row in unit_rows() if row.get("kind") == "money")


@lru_cache(maxsize=1)
def time_units() -> frozenset[str]:
    """Canonical time units (units.jsonl kind time, rates.jsonl time denominators): a time tally
    per a time unit ("seven days a week") is no rate, and "24-hour" is an adjective."""
    units = {row["unit"] for row in unit_rows() if row["kind"] == "time"}
    return frozenset(units | {row["per"] for row in load_rows("quantities", "rates") if row.get("time")})


@lru_cache(maxsize=1)
def rate_patterns() -> tuple[re.Pattern[str], dict[str, dict[str, Any]]]:
    """One pattern for a rate's denominator right after a quantity (resources/quantities/rates.jsonl):
    an optional "of <up to 3 words>" (the substance: "tons of sewage per day"), then "per X",
    "a/an X", "each/every X", "/X", or an adverb ("annually"); and surface → row."""
    rows = load_rows("quantities", "rates")
    by_surface = {s.lower(): row for row in rows for s in row["surfaces"]}
    by_adverb = {s.lower(): row for row in rows for s in row.get("adverbs", [])}
    pattern = re.compile(
        r"(?:\s+of\s+(?:[A-Za-z][\w-]*\s+){0,2}?[A-Za-z][\w-]*)?"
        rf"(?:\s*/\s*(?P<slash>{alt(by_surface, spaces=False)})|\s+(?:per|a|an|each|every)\s+(?P<word>{alt(by_surface, spaces=False)})s?"
        rf"|\s+(?P<adverb>{alt(by_adverb, spaces=False)}))(?![\w/])", re.IGNORECASE)
    return pattern, {**{f"s:{k}": v for k, v in by_surface.items()}, **{f"a:{k}": v for k, v in by_adverb.items()}}


def period_words(slot: str) -> list[str]:
    """Period qualifiers ("year-on-year", "yoy") allowed in one slot around a change word."""
    return [str(row["surface"]) for row in word_groups()["change_period"] if slot in row.get("slots", [])]


def small_counts(low: int, high: int) -> list[str]:
    """One-word number words valued low..high: the counts of "sixfold" (2-10) and "five-tier" (2-12)."""
    return [w for w, v in word_table()["number"].items() if isinstance(v, int) and low <= v <= high and " " not in w]


@lru_cache(maxsize=8)
def core_patterns(dec_comma: bool = False, glued: str = "") -> dict[str, re.Pattern[str]]:
    """The core patterns; ``dec_comma`` reads "7,5" as 7.5 (jurisdictions with a decimal comma),
    ``glued`` adds the jurisdiction's one-letter currency written against the number ("R450 000")."""
    f = fragments()
    num = (f"{f['digits_decimal_comma']}|" if dec_comma else "") + f["digits_grouped"]
    glued_lb = "".join(f"|(?<=\\b{letter})" for letter in glued)
    lead, trail, post = (alt(period_words(slot)) for slot in ("lead", "trail", "post"))
    return {
        # A number core not glued to a word on its left (PM2.5, G318) and not part of 1.2.3.
        "core": re.compile(
            # "sixfold", "3-fold", "two-fold": a multiplier (first, so "3-fold" is not read as the number 3)
            rf"(?<![\w'.,-])(?P<fold>(?:\d{{1,3}}(?:\.\d+)?|{alt(small_counts(2, 10) + ['hundred', 'thousand'])})[-\s]?fold)(?![\w-])|"
            # "2 1/2", "3½": a mixed number (whole part and a fraction)
            rf"(?<![\w.,/'-])(?P<mixed>\d{{1,3}}(?:\s+|-)[1-9]\d?/[1-9]\d?(?![\d/])|(?:\d{{1,3}}\s?)?[½¼¾⅓⅔⅛⅜⅝⅞])|"
            # "one in five", "1 in 4": a proportion
            rf"(?<![\w'-])(?P<ratio>(?:one|1)\s+in\s+(?:every\s+)?(?:{f['spelled']}|a\s+(?:hundred|thousand|million)|\d{{1,3}}))(?![\w-])|"
            # "dozens of", "hundreds of thousands of": a vague count, its lower bound with bound ">"
            rf"(?<![\w'-])(?P<vague>{alt(word_table()['vague'])})(?=\s+of\s)|"
            # a digit number not glued to a word, except to a currency mark written against it ("USD5m", "RM3.06mil")
            # (the lookahead first: the hundred currency lookbehinds are tried only before a digit, sign or point;
            # they were a third of the core search's time, tried at every letter of every line)
            rf"(?=[-−+.\d])(?:(?<![\w.,/])|{glued_lookbehinds()}{glued_lb}){'(?P<sign>[-−+])?' }(?P<num>{num}|\.\d{{1,6}})(?![\d])"
            rf"|(?<![\w'-])(?P<frac>{f['fraction']})(?![\w-])"
            # "five-tier", "three-level", "four-cylinder": a count of kinds (guide, Decisions v1.1)
            rf"|(?<![\w'-])(?P<hyph>{alt(small_counts(2, 12))})(?=-[a-z]{{3,}}(?![\w-]))"
            rf"|(?<![\w'-])(?P<spelled>{f['spelled']}(?:[\s-]+(?:and\s+)?(?:hundred|{f['spelled']})(?![\w-]))*(?:[\s-]+(?:and\s+)?(?:thousand|million|billion)(?:[\s-]+(?:and\s+)?(?:{f['spelled']}|hundred)(?![\w-]))*)*)(?![\w-])",
            re.IGNORECASE),
        "magnitude": re.compile(rf"(?:\s+|-)?(?P<mag>{f['magnitude']})(?![\w])", re.IGNORECASE),
        "bound_pre": re.compile(rf"(?<![\w])(?P<b>{f['bound_pre']})\s+(?:a\s+total\s+of\s+)?$", re.IGNORECASE),
        "bound_post": re.compile(rf"\s+(?P<b>{f['bound_post']})(?![\w])", re.IGNORECASE),
        "change_pre": re.compile(
            rf"(?<![\w])(?P<c>(?:(?:a|an)\s+)?(?:(?:{lead})\s+)?(?:{f['change_pre']}))"
            rf"(?:\s+(?:{trail}))?\s+(?:(?P<b>{f['bound_pre']})\s+)?$", re.IGNORECASE),
        "change_post": re.compile(rf"\s+(?:(?:{post})\s+)?(?P<c>{f['change_post']})(?![\w])", re.IGNORECASE),
        "name_prefix": re.compile(rf"(?<![\w])(?:{f['name_prefix']})\s*$", re.IGNORECASE),
        "range_mid": re.compile(rf"\s*(?:{alt(word_table()['range_joiner'])})\s*|/(?=\s*(?:{range_repeat_alternation()}))",
                                re.IGNORECASE),
        "between": re.compile(r"(?<![\w])between\s+$", re.IGNORECASE),
        "ordinal": re.compile(r"^(?:st|nd|rd|th)\b", re.IGNORECASE),
        "phone": re.compile(r"(?:\+\d[\d\s-]{6,}\d|\d{2,4}-\d{3,4}-\d{3,8}|\d{3,4}-\d{7,8}"
                            # identifier filter (issue 25): "(02) 9999 9999", "1800 222 333", "0800 123 4567", "555.123.4567"
                            r"|\(0?\d{1,4}\)[\s.-]?\d{3,4}[\s.-]?\d{3,4}|(?<!\d)1[38]00[\s-]?\d{3}[\s-]?\d{3}(?!\d)"
                            r"|(?<![\d,.])0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}(?!\d)|(?<![\d.])\d{3}\.\d{3}\.\d{4}(?!\d))"),
        # a number after a phone cue ("call 13 14 50", "hotline: 12369", "Tel: 011 555 1234")
        "phone_cue": re.compile(rf"(?i:\b(?:{alt(words_of('phone_cue'))})\b)"
                                r"\.?:?\s*(?:(?i:on|at|us\s+on|us\s+at|number|no\.?)\s*)?(?P<num>\+?\(?\d[\d\s().-]{2,}\d)"),
        "list_marker": re.compile(r"^\s*\(?\d{1,2}[).]\s"),
        "glued_word": re.compile(r"^[A-Za-z]"),
    }


@lru_cache(maxsize=1)
def verb_by() -> re.Pattern[str]:
    """"cut coal consumption by 3.5 million tonnes", "raise output by 10%": the verb sets the direction."""
    verbs, hedges = word_table()["change_verb"], words_of("verb_by_hedge")
    return re.compile(rf"\b({alt(verbs)})\b[^.;:!?]{{0,50}}?\bby\s+(?:(?:{alt(hedges)})\s+)?$", re.I)


@lru_cache(maxsize=1)
def money_shorthand() -> tuple[re.Pattern[str], dict[str, float], frozenset[str]]:
    """Letters glued to an amount ("$4.2b", "RM3.06mil"; case-sensitive), their factors, and the
    ones that mean a magnitude even without a currency sign ("bare")."""
    rows = word_groups()["money_suffix"]
    factors = {str(row["surface"]): float(row["value"]) for row in rows}
    bare = frozenset(str(row["surface"]) for row in rows if row.get("bare"))
    return re.compile(rf"({alt(factors, spaces=False)})(?![A-Za-z])"), factors, bare


SPORTS_SCORE = re.compile(r"[-–]\d{1,3}(?!\d|[.,]\d|\s*%)")
SCIENTIFIC = re.compile(r"\s?[×x]\s?10(?:(?:\^|\*\*)\s?([-−]?\d{1,3})|([-−]\d{1,3})|([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}))(?!\d)")
GLUED_M = re.compile(r"(?P<m>m)(?![A-Za-z])\s+(?P<next>[A-Za-z]+)")
SLASH_FRACTION = re.compile(r"[/⁄](\d{1,4})(?=\s+of\s+(?:a|an|the)\b)")
SIGN_PREFIX = re.compile(r"\b(minus|sub)(?:-|(?<=minus)\s+)$", re.IGNORECASE)
VAGUE_OF = re.compile(r"\s+of\s+(?=\S)")
FRACTION_OF_MAGNITUDE = re.compile(r"\s+(?:of\s+)?an?(?=\s+(?:million|billion|trillion|thousand|dozen|lakh|crore)\b)", re.I)
PINT_SURFACE = re.compile(r"\s*(?:(?P<pow>square|sq\.?|cubic|cu\.?)\s+)?(?P<w>[A-Za-zµμ][A-Za-z]*(?:-hours?)?)"
                          r"(?P<pow2>\s+squared|\s+cubed|[23²³])?(?![\w/])", re.I)


FILTER_LISTS = ("standard_prefix", "score_cue", "street_suffix", "era_before", "era_after", "id_word", "place_head", "hotline")


@lru_cache(maxsize=1)
def filter_patterns() -> dict[str, re.Pattern[str]]:
    """Patterns of the filters (filters.py) built from resources/filters.jsonl: a number inside a
    standard's name, a score, an address, an era, a reference chain, a place name, a hotline."""
    groups = load_groups("quantities", "filters", "list", FILTER_LISTS)
    w = {name: [str(row["surface"]) for row in rows] for name, rows in groups.items()}
    era_before = "|".join(r"\b" + re.escape(e) for e in w["era_before"])   # each starts a word
    return {
        "standard_part": re.compile(rf"\b(?:{alt(w['standard_prefix'], spaces=False)})\s*\d+[-–:]$"),
        "score_context": re.compile(rf"\b(?:{alt(w['score_cue'])})\b", re.I),
        "street_address": re.compile(rf"(?:\s*[-–]\s*\d+)?\s+(?:[A-Z][a-z]+\s+){{1,2}}(?:{alt(w['street_suffix'])})(?![\w])"),
        "era_before": re.compile(rf"(?:{era_before})\s+(?:\d+\s+(?:and|to|-|–)\s+)?$"),
        "era_after": re.compile(rf"\s*(?:{alt(w['era_after'])})(?![\w])"),
        "id_chain": re.compile(rf"(?<![\w])(?:{alt(w['id_word'])})\.?\s*[#:]?\s*(?:[A-Z]{{0,4}}[-/ ]?\d+[-/.])+$", re.I),
        "place_head": re.compile(rf"\s+(?:{alt(w['place_head'])})\b"),
        "hotline": re.compile(rf"\s+(?:{alt(w['hotline'])})\b", re.I),
    }


class FinalWordGate:
    """A left-context pattern (phrase, then whitespace, then the number) searched only when the
    last word before the number can end one of its phrases: an ``endswith`` test instead of a
    long case-insensitive alternation tried at every position of the context (issue 10: lines
    dense with numbers spent ~0.3 ms per number here)."""

    def __init__(self, pattern: re.Pattern[str], finals: Iterable[str]) -> None:
        self.pattern = pattern
        self.finals = tuple(sorted({f.lower() for f in finals if f}))

    def search(self, string: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        end = len(string) if endpos is None else min(endpos, len(string))
        tail = string[max(pos, end - 64):end].rstrip()
        if tail and not tail.rsplit(None, 1)[-1].lower().endswith(self.finals):
            return None
        return self.pattern.search(string, pos, end)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pattern, name)


def finals(surfaces: Iterable[str]) -> set[str]:
    return {s.split()[-1] for s in surfaces if s.split()}


@dataclass
class Grammar:
    """Everything a line is read with: the patterns (some behind a FinalWordGate), the unit and
    currency tables, and how the line's jurisdiction writes numbers (``dec_comma``)."""

    p: dict[str, Any]
    post_unit: re.Pattern[str]
    pre_unit: Searcher
    post_table: dict[str, str]
    pre_table: dict[str, str]
    dec_comma: bool = False
    extras: dict[str, Any] = field(default_factory=dict)


def build_grammar(gate: bool = True) -> Grammar:
    p: dict[str, Any] = {**core_patterns(), "verb_by": verb_by()}
    post_unit, pre_unit, post_table, pre_table = unit_patterns()
    pre: Searcher = pre_unit
    if gate:
        t = word_table()
        bound = finals(t["bound_pre"]) | {"of"}                        # "... a total of"
        p = {**p,
             "bound_pre": FinalWordGate(p["bound_pre"], bound),
             "change_pre": FinalWordGate(p["change_pre"], finals(t["change_pre"]) | bound | finals(period_words("trail"))),
             "name_prefix": FinalWordGate(p["name_prefix"], finals(t["name_prefix"])),
             # "cut emissions by (about) 30%": the context must end in "by" or a hedge
             "verb_by": FinalWordGate(p["verb_by"], finals(words_of("verb_by_hedge")) | {"by"})}
        pre = FinalWordGate(pre_unit, finals(pre_table) | finals(pre_surfaces()))
    return Grammar(p, post_unit, pre, post_table, pre_table)


def lookup_unit(surface: str, table: dict[str, str]) -> str | None:
    s = re.sub(r"\s+", " ", surface)
    return table.get(s) or table.get(s.lower())
