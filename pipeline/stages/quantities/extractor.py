"""Quantities stage (``govnews_quantities``): numbers with magnitude, unit, bound, change, item.

Requires: ``doc._.lines`` (segment) and ``doc.spans["date"]`` (dates run first, so
date parts and durations are never read as quantities).
Assigns: ``doc.spans["quantity"]`` with ``span._.value / unit / bound / change / item /
si_value / si_unit / rule``.

Mechanism: a number core (digits, spelled number, fraction) is found by regex in each
allowed line; small anchored patterns then extend it rightwards (magnitude, unit, range
partner, post-bound, post-change) and look leftwards (currency, bound, change word).
All words and units come from ``resources/quantities/*.jsonl``. Span boundaries follow
the guide: currency words inside, bound and change words outside.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.extensions import raw_text
from pipeline import extensions  # noqa: F401
from pipeline.stages.quantities.numerals import GROUP_SEP, fragments, magnitude_value, parse_grouped, parse_number, parse_spelled_chain, word_table
from pipeline.resources import load_rows
from pipeline.stages.segment.lines import allowed_lines
from pipeline.stages.segment.jurisdiction import decimal_comma, glued_currency_letters, resolve_money
from pipeline.stages.quantities.units import pint_unit, to_si

GROUP = "quantity"
TIME_UNITS = frozenset({"d", "h", "a"})
ITEM_STOP = frozenset("""of in for with and or to were was is are be been being have has had that which who
across from on at by as per than the a an this these those its their it they he she we our his her were will would
could should can may might must do does did not no nor but so if while when where during after before since until
respectively each every total totaling totalling year-on-year yoy compared against among including such about over under
more less up down into onto out than then there here also all both only just instead rather""".split())
# plural heads without an -s: a count's item ends at them as at any plural ("5,000 people joined")
IRREGULAR_PLURALS = frozenset("people children men women police personnel staff cattle livestock fish".split())
DECREASE_VERBS = ("cut", "reduc", "lower", "slash", "decreas", "shrink", "shrank", "trim")
# "cut coal consumption by 3.5 million tonnes", "raise output by 10%": the verb sets the direction
VERB_BY = re.compile(r"\b(cut|cuts|cutting|reduce[sd]?|reducing|lower(?:ed|s|ing)?|slash(?:ed|es|ing)?|decrease[sd]?|shrink|shrank|trim(?:med)?|"
                     r"increase[sd]?|increasing|raise[sd]?|raising|boost(?:ed|s|ing)?|expand(?:ed|s)?|grow|grew)\b[^.;:!?]{0,50}?\bby\s+(?:(?:about|nearly|around|some|more than|over|almost|roughly)\s+)?$", re.I)
NOT_NAME_WORDS = frozenset("""between about nearly over more less some almost around only and but by of in the a an at to from for with
than under above below approximately roughly just up down total all these those its their last first since until on per
january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec
rmb usd cny eur gbp yuan""".split())
CONTEXT_LEFT, CONTEXT_RIGHT = 96, 384   # characters of a line a number's rules may look at
YEAR_LIKE = re.compile(r"^(1[89]\d\d|20\d\d|2100)$")


@dataclass
class Found:
    start: int
    end: int
    value: float | None
    unit: str | None = None
    bound: str = "="
    change: str | None = None
    item: str | None = None
    rule: str = "q_number"
    extras: dict = field(default_factory=dict)
    per: str | None = None          # rate denominator (guide v1.2): "d", "a", "person", ...


@lru_cache(maxsize=1)
def unit_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str], dict[str, str]]:
    """Compiled post-unit and pre-currency patterns and surface → canonical maps."""
    post: dict[str, str] = {}
    pre: dict[str, str] = {}
    post_cs: set[str] = set()
    for row in load_rows("quantities", "units"):
        cs = set(row.get("case_sensitive_surfaces", []))
        for surface in row["surfaces"]:
            target = pre if row["position"] == "pre" else post
            key = surface if surface in cs else surface.lower()
            target.setdefault(key, row["unit"])
            if surface in cs:
                post_cs.add(surface)
    def alt(words):
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    # A unit ends at a non-word character; "(?i:...)" keeps the case-sensitive surfaces strict.
    insensitive = [w for w in post if w not in post_cs]
    # A "/" may follow only when a rate's time denominator does ("500 t/d", "1,000 tons/day": guide v1.2 per).
    post_re = re.compile(rf"(?:\s*|\s*-\s*)(?P<unit>(?i:{alt(insensitive)})|{alt(post_cs)})"
                         r"(?![\w²³]|/(?!\s*(?:d|day|a|yr|year|h|hr|month|week|wk)(?![\w/])))")
    pre_surfaces = [s for row in load_rows("quantities", "units") if row["position"] == "pre" for s in row["surfaces"]]
    pre_re = re.compile(rf"(?P<cur>(?i:{alt(set(pre_surfaces))}))\s*$")
    return post_re, pre_re, post, pre


HYPHEN_ITEM = re.compile(r"-([a-z]+)", re.IGNORECASE)
TIME_UNITS = frozenset({"d", "h", "a", "min", "s", "wk", "mo"})
NOT_RATE_ITEMS = frozenset({"time", "times"})     # "3 times a week" is a SET (guide v1.2), not a rate


@lru_cache(maxsize=1)
def rate_patterns() -> tuple[re.Pattern[str], dict[str, dict]]:
    """One pattern for a rate's denominator right after a quantity (resources/quantities/rates.jsonl):
    an optional "of <up to 3 words>" (the substance: "tons of sewage per day"), then "per X",
    "a/an X", "each/every X", "/X", or an adverb ("annually"); and surface → row."""
    rows = load_rows("quantities", "rates")
    by_surface = {s.lower(): row for row in rows for s in row["surfaces"]}
    by_adverb = {s.lower(): row for row in rows for s in row.get("adverbs", [])}
    def alt(words) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(
        r"(?:\s+of\s+(?:[A-Za-z][\w-]*\s+){0,2}?[A-Za-z][\w-]*)?"
        rf"(?:\s*/\s*(?P<slash>{alt(by_surface)})|\s+(?:per|a|an|each|every)\s+(?P<word>{alt(by_surface)})s?"
        rf"|\s+(?P<adverb>{alt(by_adverb)}))(?![\w/])", re.IGNORECASE)
    return pattern, {**{f"s:{k}": v for k, v in by_surface.items()}, **{f"a:{k}": v for k, v in by_adverb.items()}}


@lru_cache(maxsize=8)
def core_patterns(dec_comma: bool = False, glued: str = "") -> dict[str, re.Pattern[str]]:
    """The core patterns; ``dec_comma`` reads "7,5" as 7.5 (jurisdictions with a decimal comma),
    ``glued`` adds the jurisdiction's one-letter currency written against the number ("R450 000")."""
    f = fragments()
    num = (f"{f['digits_decimal_comma']}|" if dec_comma else "") + f["digits_grouped"]
    glued_lb = "".join(f"|(?<=\\b{letter})" for letter in glued)
    return {
        # A number core not glued to a word on its left (PM2.5, G318) and not part of 1.2.3.
        "core": re.compile(
            # "sixfold", "3-fold", "two-fold": a multiplier (first, so "3-fold" is not read as the number 3)
            rf"(?<![\w'.,-])(?P<fold>(?:\d{{1,3}}(?:\.\d+)?|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand)[-\s]?fold)(?![\w-])|"
            # "2 1/2", "3½": a mixed number (whole part and a fraction)
            rf"(?<![\w.,/'-])(?P<mixed>\d{{1,3}}(?:\s+|-)[1-9]\d?/[1-9]\d?(?![\d/])|(?:\d{{1,3}}\s?)?[½¼¾⅓⅔⅛⅜⅝⅞])|"
            # "one in five", "1 in 4": a proportion
            rf"(?<![\w'-])(?P<ratio>(?:one|1)\s+in\s+(?:every\s+)?(?:{f['spelled']}|a\s+(?:hundred|thousand|million)|\d{{1,3}}))(?![\w-])|"
            # "dozens of", "hundreds of thousands of": a vague count, its lower bound with bound ">"
            rf"(?<![\w'-])(?P<vague>(?:tens|hundreds)\s+of\s+(?:thousands|millions|billions)|dozens|hundreds|thousands|millions|billions)(?=\s+of\s)|"
            rf"(?:(?<![\w.,/])|(?<=USD)|(?<=RMB)|(?<=CNY)|(?<=EUR)|(?<=GBP)|(?<=\$US)|(?<=RM)|(?<=PS)|(?<=\bRs)|(?<=\bINR)|(?<=\bPHP)|(?<=\bPhp)|(?<=\bKSh)|(?<=\bKsh)|(?<=\bZAR)|(?<=\bNGN)|(?<=\bKES){glued_lb}){'(?P<sign>[-−+])?' }(?P<num>{num}|\.\d{{1,6}})(?![\d])"
            rf"|(?<![\w'-])(?P<frac>{f['fraction']})(?![\w-])"
            # "five-tier", "three-level", "four-cylinder": a count of kinds (guide, Decisions v1.1)
            rf"|(?<![\w'-])(?P<hyph>two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?=-[a-z]{{3,}}(?![\w-]))"
            rf"|(?<![\w'-])(?P<spelled>{f['spelled']}(?:[\s-]+(?:and\s+)?(?:hundred|{f['spelled']})(?![\w-]))*(?:[\s-]+(?:and\s+)?(?:thousand|million|billion)(?:[\s-]+(?:and\s+)?(?:{f['spelled']}|hundred)(?![\w-]))*)*)(?![\w-])",
            re.IGNORECASE),
        "magnitude": re.compile(rf"(?:\s+|-)?(?P<mag>{f['magnitude']})(?![\w])", re.IGNORECASE),
        "bound_pre": re.compile(rf"(?<![\w])(?P<b>{f['bound_pre']})\s+(?:a\s+total\s+of\s+)?$", re.IGNORECASE),
        "bound_post": re.compile(rf"\s+(?P<b>{f['bound_post']})(?![\w])", re.IGNORECASE),
        "change_pre": re.compile(
            rf"(?<![\w])(?P<c>(?:(?:a|an)\s+)?(?:(?:year-on-year|year on year|yoy|month-on-month|annual)\s+)?(?:{f['change_pre']}))"
            rf"(?:\s+(?:year-on-year|year on year))?\s+(?:(?P<b>{f['bound_pre']})\s+)?$", re.IGNORECASE),
        "change_post": re.compile(rf"\s+(?:(?:year-on-year|year on year|yoy)\s+)?(?P<c>{f['change_post']})(?![\w])", re.IGNORECASE),
        "name_prefix": re.compile(rf"(?<![\w])(?:{f['name_prefix']})\s*$", re.IGNORECASE),
        "range_mid": re.compile(r"\s*(?:to|-|–|—|~|and)\s*|/(?=\s*(?:US\$|\$|€|£|¥|RMB))", re.IGNORECASE),
        "between": re.compile(r"(?<![\w])between\s+$", re.IGNORECASE),
        "ordinal": re.compile(r"^(?:st|nd|rd|th)\b", re.IGNORECASE),
        "phone": re.compile(r"(?:\+\d[\d\s-]{6,}\d|\d{2,4}-\d{3,4}-\d{3,8}|\d{3,4}-\d{7,8}"
                            # identifier filter (issue 25): "(02) 9999 9999", "1800 222 333", "0800 123 4567", "555.123.4567"
                            r"|\(0?\d{1,4}\)[\s.-]?\d{3,4}[\s.-]?\d{3,4}|(?<!\d)1[38]00[\s-]?\d{3}[\s-]?\d{3}(?!\d)"
                            r"|(?<![\d,.])0\d{2,4}[\s-]\d{3,4}[\s-]?\d{3,4}(?!\d)|(?<![\d.])\d{3}\.\d{3}\.\d{4}(?!\d))"),
        # a number after a phone cue ("call 13 14 50", "hotline: 12369", "Tel: 011 555 1234")
        "phone_cue": re.compile(r"(?i:\b(?:tel|telephone|phone|call|calling|hotline|helpline|fax|mobile|cell|whatsapp|sms|dial|text)\b)"
                                r"\.?:?\s*(?:(?i:on|at|us\s+on|us\s+at|number|no\.?)\s*)?(?P<num>\+?\(?\d[\d\s().-]{2,}\d)"),
        "list_marker": re.compile(r"^\s*\(?\d{1,2}[).]\s"),
        "glued_word": re.compile(r"^[A-Za-z]"),
    }


def _lookup_unit(surface: str, table: dict[str, str]) -> str | None:
    s = re.sub(r"\s+", " ", surface)
    return table.get(s) or table.get(s.lower())


def _take_item(text: str, pos: int) -> str | None:
    """Counted noun phrase right after a count: words up to a function word, punctuation, or
    the first plural noun (what follows a plural head is usually the verb: "300 volunteers joined")."""
    words: list[str] = []
    tokens = [m.group(1) or m.group(2) for m in re.finditer(r"\s*([A-Za-z][A-Za-z'-]*)|\s*(\S)", text[pos:pos + 100])]
    i = 0
    while i < len(tokens) and len(words) < 6:
        word = tokens[i]
        if not word[:1].isalpha() or word.lower() in ITEM_STOP:
            # "districts and counties": a coordinated plural head continues the item
            if (word.lower() == "and" and words and _plural(words[-1]) and i + 1 < len(tokens)
                    and tokens[i + 1][:1].isalpha() and _plural(tokens[i + 1])):
                words += [word, tokens[i + 1]]
                i += 2
                continue
            break
        words.append(word)
        if _plural(word) and not (i + 1 < len(tokens) and tokens[i + 1].lower() == "and"):
            break
        i += 1
    return " ".join(words) or None


def _plural(word: str) -> bool:
    w = word.lower()
    return w in IRREGULAR_PLURALS or (len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")))


class _FinalWordGate:
    """A left-context pattern (phrase, then whitespace, then the number) searched only when the
    last word before the number can end one of its phrases: an ``endswith`` test instead of a
    long case-insensitive alternation tried at every position of the context (issue 10: lines
    dense with numbers spent ~0.3 ms per number here)."""

    def __init__(self, pattern: re.Pattern[str], finals) -> None:
        self.pattern = pattern
        self.finals = tuple(sorted({f.lower() for f in finals if f}))

    def search(self, string: str, pos: int = 0, endpos: int | None = None):
        end = len(string) if endpos is None else min(endpos, len(string))
        tail = string[max(pos, end - 64):end].rstrip()
        if tail and not tail.rsplit(None, 1)[-1].lower().endswith(self.finals):
            return None
        return self.pattern.search(string, pos, end)

    def __getattr__(self, name: str):
        return getattr(self.pattern, name)


def _finals(surfaces) -> set[str]:
    return {s.split()[-1] for s in surfaces if s.split()}


class QuantityExtractor:
    """Pure text → Found list, for one line at a time (testable without spaCy)."""

    def __init__(self, gate: bool = True) -> None:
        self.p = core_patterns()
        self.post_unit, self.pre_unit, self.post_table, self.pre_table = unit_patterns()
        if gate:
            t = word_table()
            bound = _finals(t["bound_pre"]) | {"of"}                        # "... a total of"
            self.p = {**self.p,
                      "bound_pre": _FinalWordGate(self.p["bound_pre"], bound),
                      "change_pre": _FinalWordGate(self.p["change_pre"], _finals(t["change_pre"]) | bound | {"year-on-year", "year"}),
                      "name_prefix": _FinalWordGate(self.p["name_prefix"], _finals(t["name_prefix"]))}
            self.pre_unit = _FinalWordGate(self.pre_unit, _finals(self.pre_table) | _finals(
                s for row in load_rows("quantities", "units") if row["position"] == "pre" for s in row["surfaces"]))

    def _masked(self, line: str) -> list[tuple[int, int]]:
        spans = [m.span() for m in self.p["phone"].finditer(line)]
        spans += [m.span("num") for m in self.p["phone_cue"].finditer(line)
                  if len(re.sub(r"\D", "", m.group("num"))) >= 5 and not self.post_unit.match(line, m.end("num"))]
        return spans

    def extract_line(self, line: str, blocked: list[tuple[int, int]] | None = None,
                     jurisdiction: str | None = None) -> list[Found]:
        """Quantities of one line; ``jurisdiction`` (a code) says how numbers are written there."""
        self._dc = decimal_comma(jurisdiction)
        core = (core_patterns(self._dc, glued_currency_letters(jurisdiction)) if jurisdiction else core_patterns())["core"]
        self.p = {**self.p, "core": core}
        blocked = sorted(list(blocked or []) + self._masked(line))
        b_starts = [b[0] for b in blocked]
        b_span = max((b[1] - b[0] for b in blocked), default=0)
        found: list[Found] = []
        pos = 0
        while True:
            m = self.p["core"].search(line, pos)
            if not m:
                break
            pos = m.end()
            # Each number is built inside a window of its context (CONTEXT_LEFT/RIGHT characters), so
            # a long line with many numbers costs linear, not quadratic, time (issue 10).
            lo, hi = max(0, m.start() - CONTEXT_LEFT), min(len(line), m.end() + CONTEXT_RIGHT)
            window = line[lo:hi]
            near = blocked[bisect_left(b_starts, lo - b_span):bisect_left(b_starts, hi)]
            q = self._build(window, self.p["core"].match(window, m.start() - lo),
                            [(a - lo, b - lo) for a, b in near])
            if q is None:
                sep = re.search(GROUP_SEP, m.group("num") or "")
                if sep and any(a < m.end() and m.start() < b for a, b in blocked):
                    # "March 5 100 people": the first group belongs to a date; retry after it
                    pos = m.start("num") + sep.start()
                continue
            for part in q:
                part.start += lo
                part.end += lo
            for part in q:
                prev = found[-1] if found else None
                # "increases of 29.8 percent and 51.9 percent": a coordinated amount shares the change
                if (prev is not None and part.change is None and prev.change is not None and part.unit == prev.unit
                        and re.fullmatch(r"\s*(?:,|and|, and)\s*", line[prev.end:part.start])):
                    part.change = prev.change
                    part.rule += "+coordchange"
                found.append(part)
            pos = max(pos, max(part.end for part in q))
        return found

    def _overlaps(self, start: int, end: int, blocked: list[tuple[int, int]]) -> bool:
        return any(start < b_end and b_start < end for b_start, b_end in blocked)

    def _core_value(self, m: re.Match[str]) -> tuple[float | None, str]:
        if m.group("mixed"):
            return _mixed_value(m.group("mixed")), "q_mixed"
        if m.group("ratio"):
            return _ratio_value(m.group("ratio")), "q_ratio"
        if m.group("vague"):
            return float(word_table()["vague"][re.sub(r"\s+", " ", m.group("vague").lower())]), "q_vague"  # type: ignore[arg-type]
        if m.group("num"):
            v = parse_grouped(m.group("num"), getattr(self, "_dc", False))
            if v is not None and m.group("sign") in ("-", "−"):
                v = -v
            return v, "q_digits"
        if m.group("frac"):
            return parse_number(m.group("frac")), "q_fraction"
        if m.group("hyph"):
            return parse_number(m.group("hyph")), "q_hyphen_count"
        if m.group("fold"):
            return parse_number(re.sub(r"[-\s]?fold$", "", m.group("fold").lower())), "q_fold"
        return parse_spelled_chain(m.group("spelled")), "q_spelled"

    def _reject_core(self, line: str, m: re.Match[str]) -> bool:
        start, end = m.span()
        after = line[end:]
        before = line[:start]
        if m.group("num"):
            if re.match(r"[.,]\d", after):                          # 1.2.3, 10,00
                return True
            if re.match(r"0\d", m.group("num")):                    # "045", "0800": an identifier, never an amount
                return True
            if before[-1:] in ("-", "/", ".") and ID_CHAIN.search(before):   # "Release No. 23-045", "Notice 2023/145"
                return True
            if after[:1] == ")" and before[-1:] == "(" and (before[-2:-1].isalnum() or before[-2:-1] == ")"):
                return True                                         # "clause 14(2)", "s 3(1)": sub-numbering
            if self.p["ordinal"].match(after):                      # 20th, 1st
                return True
            if re.search(r"[A-Za-z]-$", before) and not SIGN_PREFIX.search(before):  # COVID-19, G-318 (not "sub-7")
                return True
            if self.p["name_prefix"].search(before):                # No. 5, Class 3, version 3.0
                return True
            if re.match(r":\d", after) or re.search(r"\d:$", before):  # times and ratios
                return True
            prev = re.search(r"([A-Za-z&][\w&.]*)\s+$", before)
            # (a word after a colon is not sentence-initial here: "In Europe: Stoxx 50 -1.3%" names an index)
            sentence_initial = bool(prev) and re.search(r"(^|[.!?;\"“(]\s*)$", before[:prev.start()]) is not None
            if re.match(r"\s+(?:hot\s?line|service hotline|helpline)\b", after, re.I):
                return True                                         # "the 12369 hotline"
            if STANDARD_PART.search(before):
                return True                                         # "ISO 3888-2", "GB 3095-2012": a standard's number
            dash_before = re.search(r"\d[-–]$", before) or (m.group("sign") and re.search(r"\d$", before))
            score = SPORTS_SCORE.match(after)
            score = score if score and not (self.post_unit.match(after, score.end())
                                            or self.p["magnitude"].match(after, score.end())) else None
            if (score or dash_before) and SCORE_CONTEXT.search(before[-45:]):
                return True                                         # "beat Charlton 2-1", "tied Game 7 at 89-89"
            if STREET_ADDRESS.match(after):
                return True                                         # "16-18 Industrial Avenue": an address
            if ERA_BEFORE.search(before) or ERA_AFTER.match(after):
                return True                                         # "A.D. 1000 and 1260", "200 BC": years
            if (prev and not sentence_initial and (prev.group(1)[:1].isupper() or "&" in prev.group(1) or re.match(r"[a-z]+[A-Z]", prev.group(1)))
                    and prev.group(1).lower() not in NOT_NAME_WORDS and not _lookup_unit(prev.group(1), self.pre_table)
                    and "," not in m.group("num") and not self.post_unit.match(after) and not self.p["magnitude"].match(after)
                    and not re.match(r"\s+(?:(?!(?:is|was|has|does|its|as|this|thus|us|plus|his)\b)[a-z]+s|people|percent)\b", after)):
                return True                                         # "S&P 500", "Game 7", "iPhone 11": part of a name
            if start == 0 or line[:start].strip() == "":
                if self.p["list_marker"].match(line[start - (1 if start and line[start - 1] == "(" else 0):]):
                    return True
            if after[:1] == ")" and re.search(r"(^|[\s(])$", before) and "(" not in before[-2:] and float(m.group("num").replace(",", "")) < 30:
                if not self.post_unit.match(after):
                    return True                                     # list marker "1)"
        else:
            word = m.group(0)
            if re.search(r"[\"“‘']\s*$", before):                   # "six rivers", "two mountains": inside a quoted name
                return True
            if word[:1].isupper() and re.match(r"\s+[A-Z][a-z]", after) and before.strip() != "" \
                    and not re.search(r"[.!?:;]\s*$", before) and not m.group("frac"):  # a fraction names nothing
                return True                                         # Three Gorges, Two Sessions (not "...: Two Singaporean sisters")
            if word[:1].isupper() and re.match(r"\s+[A-Z][a-z]", after) and re.match(r"\s+(Gorges|Sessions|Mountains|Rivers|Represents|Regions)\b", after):
                return True
            if word.lower() == "one" and not (self.p["magnitude"].match(after) or self.post_unit.match(after)):
                # "one team", "one site" are counts; "one of the", "no one", "one another", "one by one" and
                # slogans inside quotes ("one river, one chief") are not
                if (not re.match(r"\s+(?!of\b|in\b|another\b|by\b|who\b|that\b|which\b|and\b|or\b|more\b|day\b)[a-z]", after)
                        or re.search(r"\b(?:no|any|every|each|the|this|that|which|only|same)\s+$", before, re.I)
                        or _inside_quotes(before)):
                    return True
            if word.lower() in ("half", "a third", "a quarter") and not re.match(r"\s+(of|the|a|an)\b", after) and not self.post_unit.match(after):
                return True                                         # "half" as adverb
        return False

    def _build(self, line: str, m: re.Match[str], blocked: list[tuple[int, int]]) -> list[Found] | None:
        start, end = m.span()
        value, rule = self._core_value(m)
        if m.group("sign") and start > 0 and not re.match(r"[\s(]", line[start - 1]):
            start += 1                                              # "30-40", "--5": the dash is no sign
            value = abs(value) if value is not None else None
        if self._overlaps(start, end, blocked) or self._reject_core(line, m):
            return None
        if value is None:
            return None
        q = Found(start, end, value, rule=rule)
        if m.group("vague"):
            q.bound = ">"                                       # "thousands of works": more than 1000 (corpus gold)
            of = VAGUE_OF.match(line, end)
            money = self.post_unit.match(line, of.end()) if of else None
            if money and _lookup_unit(money.group("unit"), self.post_table) in money_units():
                # "millions of dollars": the currency after "of" is the vague amount's unit
                q.unit, q.end = _lookup_unit(money.group("unit"), self.post_table), money.end()
                q.rule += "+ofunit"
        if m.group("frac") and FRACTION_OF_MAGNITUDE.match(line, end):
            q.end = FRACTION_OF_MAGNITUDE.match(line, end).end()   # "half a million", "a quarter of a billion"
        slash = SLASH_FRACTION.match(line, end)
        if slash and m.group("num") and float(value).is_integer() and int(slash.group(1)) > 0:
            q.value, q.end = value / int(slash.group(1)), slash.end()   # "1/16 of a US pint"
            q.rule += "+slashfrac"
        self._extend_right(line, q)
        if q.value is None:
            return None
        # Years and date parts belong to the dates stage unless a unit or magnitude says otherwise.
        if q.unit is None and q.extras.get("mag") is None and m.group("num") and YEAR_LIKE.match(m.group("num")):
            return None
        if self._overlaps(q.start, q.end, blocked):
            return None
        self._look_left(line, q)
        prefix = SIGN_PREFIX.search(line[:q.start])
        if prefix and q.value is not None:
            if prefix.group(1).lower() == "minus":              # "minus 1.4 degrees", "minus-1.4"
                q.value, q.start = -abs(q.value), prefix.start()
                q.rule += "+minus"
            else:                                               # "sub-7 nanometer": below; the prefix stays outside
                q.bound = "<"
                q.rule += "+subbound"
        if m.group("fold"):                                     # a multiplier starts no range or level pair
            q.unit = "x"                                        # "sixfold": 6 x (dimensionless multiplier)
            self._post_words(line, q)
            return [q]
        parts = self._range(line, q, blocked)
        if m.group("hyph") and q.unit is None:
            # "five-tier": span "five-tier", item "tier"; the core matched case-insensitively, so
            # the item does too ("Two-Factor", "FIVE-STAR": the same count in a title or in caps).
            q.change, q.rule = None, q.rule.replace("+change", "")  # a count of kinds is an adjective, never a change's size ("Set up Two-Factor")
            word = HYPHEN_ITEM.match(line, q.end)
            if word is None:                                        # extended past the hyphen: no item
                return [q]
            q.item, q.end = word.group(1), word.end()
            return [q]
        for part in parts:
            self._post_words(line, part)
            if part.unit is None and part.item is None and part is parts[-1]:
                part.item = _take_item(line, part.end)
                if part.item:
                    part.rule = f"{part.rule}+item"
        self._rate(line, parts)
        parts = [part for part in parts if part.value is not None]
        return parts or None

    def _rate(self, line: str, parts: list[Found]) -> None:
        """What a rate is per (guide v1.2): looked for after the last part (its item, if a count),
        shared by every part of a range ("2 to 3 tonnes per hectare"). The rate words stay outside
        the span (corpus decision). Not a rate: a time tally per time unit ("seven days a week",
        "24 hours a day"), "3 times a week" (SETs), "per cent" (a unit)."""
        last = parts[-1]
        after = last.end
        if last.item:
            found = line.find(last.item, last.end)
            after = found + len(last.item) if 0 <= found <= last.end + 3 else after
        pattern, table = rate_patterns()
        m = pattern.match(line, after)
        if not m:
            return
        if m.group("adverb"):
            row = table["a:" + re.sub(r"\s+", " ", m.group("adverb").lower())]
        else:
            row = table["s:" + (m.group("slash") or m.group("word")).lower()]
        if row.get("time") and (last.item or "").lower() in NOT_RATE_ITEMS:
            for part in parts:                          # "3 times a week": a SET (guide v1.2), the dates stage's
                part.value = None
            return
        if row.get("time") and last.unit in TIME_UNITS:
            return
        if (last.item or "").lower() in NOT_RATE_ITEMS:
            return
        for part in parts:
            part.per = row["per"]
            part.rule += "+per"

    def _extend_right(self, line: str, q: Found) -> None:
        sci = SCIENTIFIC.match(line, q.end)
        if sci and q.value is not None:                         # "1.99×10−30", "6.02 x 10^23"
            exp = sci.group(1) or sci.group(2) or _from_superscript(sci.group(3))
            q.value = float(f"{q.value!r}e{int(exp.replace('−', '-'))}")   # exact decimal, not v * 10.0**e
            q.end = sci.end()
            q.rule += "+sci"
        million = GLUED_M.match(line, q.end)
        if million and q.value is not None and million.group("next").lower() in word_table()["glued_m_next"]:
            # "12.3m tonnes", "35m of its devices": million, not metres
            _apply_magnitude(q, 1e6, million.group("m"), q.end + len(million.group("m")))
        mag = self.p["magnitude"].match(line, q.end)
        if mag and q.value is not None:
            _apply_magnitude(q, magnitude_value(mag.group("mag")), mag.group("mag"), mag.end())
        money = MONEY_SHORTHAND.match(line, q.end)
        if money and q.extras.get("mag") is None and self.pre_unit.search(line[:q.start]):
            # "$4.2b", "£6m", "S$1mil": after a currency sign the glued letters are a magnitude, never a unit
            _apply_magnitude(q, MONEY_MAGNITUDE[money.group(1)], money.group(1), money.end())
        unit = self.post_unit.match(line, q.end)
        if unit and line[q.end:q.end + 1] == "-" and _lookup_unit(unit.group("unit"), self.post_table) in TIME_UNITS:
            q.value = None                                          # "24-hour standard": adjectival, not a tally
            return
        if unit:
            canonical = _lookup_unit(unit.group("unit"), self.post_table)
            if canonical:
                q.unit, q.end = canonical, unit.end()
                q.rule += "+unit"
        elif self._pint_unit(line, q):
            pass
        elif q.extras.get("mag") is None:
            glued = MONEY_SHORTHAND.match(line, q.end)
            if glued and glued.group(1) in ("mil", "mn"):    # "RM3.06mil" with no known currency: still million
                _apply_magnitude(q, MONEY_MAGNITUDE[glued.group(1)], glued.group(1), glued.end())
            elif re.match(r"[A-Za-z]", line[q.end:q.end + 1]):      # 5G, 3D: a name, not a number
                q.value = None

    def _pint_unit(self, line: str, q: Found) -> bool:
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
        q.rule += "+pintunit"
        return True

    def _look_left(self, line: str, q: Found) -> None:
        before = line[:q.start]
        cur = self.pre_unit.search(before)
        if cur and (q.unit is None or q.unit == _lookup_unit(cur.group("cur"), self.pre_table)):
            canonical = _lookup_unit(cur.group("cur"), self.pre_table)
            if canonical and (cur.group("cur")[-1:] in "$€£¥￥₹₩" or re.search(r"(^|[\s(])$", before[:cur.start()]) ):
                q.unit, q.start = canonical, cur.start()
                q.rule += "+currency"
                before = line[:q.start]
        change = self.p["change_pre"].search(before)
        verb = VERB_BY.search(before)
        if verb and not change:
            q.change = "decrease" if verb.group(1).lower().startswith(DECREASE_VERBS) else "increase"
            q.rule += "+verbby"
            return
        if change:
            q.change = word_table()["change_pre"].get(_last_change_word(change.group("c")))  # type: ignore[assignment]
            if change.group("b"):
                q.bound = str(word_table()["bound_pre"][re.sub(r"\s+", " ", change.group("b").lower())])
            q.rule += "+change"
            return
        bound = self.p["bound_pre"].search(before)
        if bound:
            q.bound = str(word_table()["bound_pre"][re.sub(r"\s+", " ", bound.group("b").lower())])
            q.rule += "+bound"
            change = self.p["change_pre"].search(before[:bound.start()])
            if change:
                q.change = word_table()["change_pre"].get(_last_change_word(change.group("c")))  # type: ignore[assignment]

    def _range(self, line: str, q: Found, blocked: list[tuple[int, int]]) -> list[Found]:
        mid = self.p["range_mid"].match(line, q.end)
        if not mid or q.value is None:
            return [q]
        joiner = line[q.end:mid.end()].strip().lower()
        if re.fullmatch(r"\s+[-−]", line[q.end:mid.end()]):
            return [q]                                          # "Stoxx 50 -1.3%": a signed number follows, no range
        cur2 = re.match(r"(?:RMB|CNY|USD|EUR|GBP|US\$|\$US|A\$|HK\$|S\$|C\$|\$|€|£|¥)\s*", line[mid.end():])
        m2 = self.p["core"].match(line, mid.end() + (cur2.end() if cur2 else 0))
        if not m2 or self._overlaps(m2.start(), m2.end(), blocked):
            return [q]
        between = self.p["between"].search(line[:q.start])
        if joiner == "and" and not between:
            return [q]
        v2, rule2 = self._core_value(m2)
        if v2 is None or (m2.group("num") and YEAR_LIKE.match(m2.group("num")) and not q.unit):
            return [q]
        levels = bool(re.search(r"\bfrom\s+(?:[^\s]+\s+)?$", line[:q.start])) and joiner == "to"
        q2 = Found(m2.start() + (1 if m2.group("sign") else 0), m2.end(), abs(v2), rule=rule2 + "+range")
        self._extend_right(line, q2)
        if cur2:
            q2.start = mid.end()
            q2.unit = q2.unit or _lookup_unit(cur2.group(0).strip(), self.pre_table)
        if q2.value is None or (q.unit and q2.unit and q.unit != q2.unit):
            return [q]
        if q.unit is None and q2.unit is None and not between and not (joiner == "to" and re.match(r"\s+[a-z]", line[q2.end:])):
            return [q]
        if (joiner == "to" and not levels and q.change is None and q.unit is not None and q2.unit is None
                and q2.extras.get("mag") is None and q.extras.get("mag") is not None and q2.value < q.value):
            return [q]                                  # "worth R38,2 million to 64 small businesses": a recipient count
        if q.unit is None:
            q.unit = q2.unit
        spelled_mag = re.search(r"\b(thousand|million|billion)$", line[q2.start:m2.end()], re.I)
        if q2.extras.get("mag") is None and spelled_mag and m2.group("spelled"):
            q2.extras["mag"] = spelled_mag.group(1).lower()     # "four to five thousand": shared by "four"
        if q.extras.get("mag") is None and q2.extras.get("mag") is not None and q.value is not None \
                and not cur2 and abs(q.value) < 1000:
            # "4 to 5 million": the magnitude is shared; "$250,000 to $1 million" and "$200 to $4 million"
            # write each end in full (own currency sign, or already a large number)
            q.value *= magnitude_value(q2.extras["mag"])
        change_then_level = q.change is not None and joiner == "to"   # "rose by 5 days to 333 days"
        if q2.unit is None and not (change_then_level and q.unit == "%"):
            q2.unit = q.unit                                # (but "rose 8.15% to 3.65": a price, not a percentage)
        levels = levels or change_then_level
        if levels:
            # "fell from 51 to 34 μg/m3": an old and a new level, not a range
            q2.change = None
            q.rule += "+levels"
            q2.rule = q2.rule.replace("+range", "+levels")
            return [q, q2]
        q.bound, q2.bound = ">=", "<="
        q.rule += "+range"
        q2.change = q.change
        return [q, q2]

    def _post_words(self, line: str, q: Found) -> None:
        post = self.p["bound_post"].match(line, q.end)
        if post:
            q.bound = str(word_table()["bound_post"][re.sub(r"\s+", " ", post.group("b").lower())])
            q.rule += "+postbound"
        if q.change is None:
            change = self.p["change_post"].match(line, q.end)
            if change:
                q.change = str(word_table()["change_post"][change.group("c").lower()])
                q.rule += "+postchange"


STANDARD_PART = re.compile(r"\b(?:ISO|GB|GB/T|HJ|EN|IEC|ASTM)\s*\d+[-–:]$")
SPORTS_SCORE = re.compile(r"[-–]\d{1,3}(?!\d|[.,]\d|\s*%)")
SCORE_CONTEXT = re.compile(r"\b(?:beat|beats|won|win|wins|lost|lose|loses|tied|ties|drew|draw|defeated|score|scored|victory|defeat)\b", re.I)
STREET_ADDRESS = re.compile(r"(?:\s*[-–]\s*\d+)?\s+(?:[A-Z][a-z]+\s+){1,2}(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Boulevard|Blvd\.|Drive|Way)(?![\w])")
ERA_BEFORE = re.compile(r"(?:\bA\.D\.|\bAD|\bB\.C\.|\bBC)\s+(?:\d+\s+(?:and|to|-|–)\s+)?$")
ERA_AFTER = re.compile(r"\s*(?:BC|B\.C\.|BCE|AD|A\.D\.)(?![\w])")
MONEY_SHORTHAND = re.compile(r"(bn|b|mn|mil|m|k|tn)(?![A-Za-z])")
MONEY_MAGNITUDE = {"bn": 1e9, "b": 1e9, "mn": 1e6, "mil": 1e6, "m": 1e6, "k": 1e3, "tn": 1e12}
SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
SCIENTIFIC = re.compile(r"\s?[×x]\s?10(?:(?:\^|\*\*)\s?([-−]?\d{1,3})|([-−]\d{1,3})|([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}))(?!\d)")
GLUED_M = re.compile(r"(?P<m>m)(?![A-Za-z])\s+(?P<next>[A-Za-z]+)")
SLASH_FRACTION = re.compile(r"[/⁄](\d{1,4})(?=\s+of\s+(?:a|an|the)\b)")
SIGN_PREFIX = re.compile(r"\b(minus|sub)(?:-|(?<=minus)\s+)$", re.IGNORECASE)


VAGUE_OF = re.compile(r"\s+of\s+(?=\S)")


@lru_cache(maxsize=1)
def money_units() -> frozenset[str]:
    return frozenset(row["unit"] for row in load_rows("quantities", "units") if row.get("kind") == "money")


ID_CHAIN = re.compile(r"(?<![\w])(?:No|Nos|Ref|Reference|Release|Notice|Case|File|Docket|Permit|Licen[cs]e|Circular|Order|Resolution|"
                      r"Bill|Gazette|Decision|Directive|Report|Project|ID|Ticket|Application)\.?\s*[#:]?\s*(?:[A-Z]{0,4}[-/ ]?\d+[-/.])+$", re.I)
FRACTION_OF_MAGNITUDE = re.compile(r"\s+(?:of\s+)?an?(?=\s+(?:million|billion|trillion|thousand|dozen|lakh|crore)\b)", re.I)
PINT_SURFACE = re.compile(r"\s*(?:(?P<pow>square|sq\.?|cubic|cu\.?)\s+)?(?P<w>[A-Za-zµμ][A-Za-z]*(?:-hours?)?)"
                          r"(?P<pow2>\s+squared|\s+cubed|[23²³])?(?![\w/])", re.I)
VULGAR = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125, "⅜": 0.375, "⅝": 0.625, "⅞": 0.875}


def _mixed_value(surface: str) -> float | None:
    """'2 1/2' → 2.5; '3½' → 3.5; '½' → 0.5."""
    s = surface.strip()
    if s[-1] in VULGAR:
        whole = s[:-1].strip()
        return (float(whole) if whole else 0.0) + VULGAR[s[-1]]
    m = re.fullmatch(r"(\d+)(?:\s+|-)(\d+)/(\d+)", s)
    if not m or int(m.group(3)) == 0 or int(m.group(2)) >= int(m.group(3)):
        return None
    return int(m.group(1)) + int(m.group(2)) / int(m.group(3))


def _ratio_value(surface: str) -> float | None:
    """'one in five' → 0.2; '1 in 4' → 0.25; 'one in a hundred' → 0.01."""
    m = re.fullmatch(r"(?:one|1)\s+in\s+(?:every\s+)?(.+)", surface.strip(), re.I)
    if not m:
        return None
    tail = re.sub(r"^a\s+", "one ", m.group(1).strip().lower())
    d = parse_grouped(tail) if tail[:1].isdigit() else parse_spelled_chain(tail)
    return 1.0 / d if d else None


def _apply_magnitude(q: Found, factor: float, word: str, end: int) -> None:
    """Scale q by a magnitude word or suffix ("million", "bn", glued "m") that ends at `end`."""
    q.value = q.value * factor if q.value is not None else None
    q.end = end
    q.extras["mag"] = word
    q.rule += "+mag"


def _inside_quotes(before: str) -> bool:
    """True when a quotation opened earlier on the line is still open (a slogan or a name)."""
    if before.rfind("“") > before.rfind("”"):
        return True
    return before.count('"') % 2 == 1


def _from_superscript(digits: str) -> str:
    return digits.translate(SUPERSCRIPT)


def _last_change_word(phrase: str) -> str:
    """Strip articles and year-on-year from a change phrase to its lexicon entry."""
    p = re.sub(r"\s+", " ", phrase.lower()).strip()
    p = re.sub(r"^(a|an) ", "", p)
    p = re.sub(r"^(year-on-year|year on year|yoy|month-on-month|annual) ", "", p)
    table = word_table()["change_pre"]
    if p in table:
        return p
    for prefix in ("a ", "an "):
        if prefix + p in table:
            return prefix + p
    return p


def quantity_spans(doc: Doc, extractor: QuantityExtractor) -> Iterator[tuple[Found, int, int]]:
    jurisdiction = (doc._.jurisdiction or {}).get("code")
    dates = sorted((s.start_char, s.end_char) for s in doc.spans.get("date", []))
    starts = [a for a, _ in dates]
    longest = max((b - a for a, b in dates), default=0)
    for line_start, line_end, line in allowed_lines(doc):
        near = dates[bisect_left(starts, line_start - longest):bisect_left(starts, line_end)]   # not all dates per line (issue 10)
        blocked = [(a - line_start, b - line_start) for a, b in near if a < line_end and b > line_start]
        for q in extractor.extract_line(line, blocked, jurisdiction):
            yield q, line_start + q.start, line_start + q.end


def make_span(doc: Doc, start: int, end: int, label: str) -> Span | None:
    """A span for exact char offsets; keeps the offsets when they split a token."""
    span = doc.char_span(start, end, label=label)
    if span is None:
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None:
            return None
        span._.exact = (start, end)
    return span


class QuantitiesComponent:
    def __init__(self, nlp: Language, name: str):
        self.name = name
        self.extractor = QuantityExtractor()

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        raw = raw_text(doc)
        jurisdiction = (doc._.jurisdiction or {}).get("code")
        for q, start, end in quantity_spans(doc, self.extractor):
            span = make_span(doc, start, end, "QUANTITY")
            if span is None:
                continue
            unit, value, suffix = resolve_money(raw[start:end], q.unit, q.value, jurisdiction)
            span._.value = value
            span._.unit = unit
            span._.bound = q.bound
            span._.change = q.change
            span._.item = q.item if unit is None else None
            span._.per = q.per
            span._.si_value, span._.si_unit = to_si(value, unit, q.per)
            if value is not None and not math.isfinite(value):
                span._.value = None                         # beyond float range: JSON has no Infinity (issue 10)
            if span._.si_value is not None and not math.isfinite(span._.si_value):
                span._.si_value = span._.si_unit = None
            span._.rule = q.rule + suffix
            spans.append(span)
        doc.spans[GROUP] = spans
        return doc


@Language.factory("govnews_quantities", assigns=["doc.spans"], requires=["doc._.lines", "doc.spans"])
def make_quantities(nlp: Language, name: str) -> QuantitiesComponent:
    return QuantitiesComponent(nlp, name)
