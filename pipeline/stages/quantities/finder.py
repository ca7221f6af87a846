"""Finding quantities in one line of text: ``QuantityExtractor.extract_line`` (pure text → Found
list, testable without spaCy). A number core (digits, spelled number, fraction) is found by regex
in the line; filters.py drops numbers that are parts of something else; resolve.py extends the
core rightwards (magnitude, unit); attach.py looks left (currency, bound, change) and right
(post-bound, post-change, item, rate); ranges.py reads a range partner.

Structure kept in code: the context window around a number (CONTEXT_LEFT/RIGHT), coordination by
"," or "and" ("increases of 29.8 percent and 51.9 percent"), "minus"/"sub-" before a number.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache

from pipeline.stages.quantities.attach import attach_rate, look_left, post_words, take_item
from pipeline.stages.quantities.filters import masked, reject_core
from pipeline.stages.quantities.found import Found
from pipeline.stages.quantities.numerals import GROUP_SEP
from pipeline.stages.quantities.provenance import check
from pipeline.stages.quantities.patterns import (CONTEXT_LEFT, CONTEXT_RIGHT, FRACTION_OF_MAGNITUDE, HYPHEN_ITEM, SIGN_PREFIX,
                                                 SLASH_FRACTION, VAGUE_OF, YEAR_LIKE, build_grammar, core_patterns, lookup_unit,
                                                 money_units)
from pipeline.stages.quantities.ranges import overlaps, range_partner
from pipeline.stages.quantities.resolve import extend_right
from pipeline.stages.quantities.values import core_value
from pipeline.stages.segment.jurisdiction import cldr_glued_currency, decimal_comma, dot_grouping, glued_currency_letters

# a dot before exactly three digits, once: a thousands group where the jurisdiction writes one so
DOT_GROUPED = re.compile(r"[1-9]\d{0,2}\.\d{3}")


@lru_cache(maxsize=256)
def number_conventions(jurisdiction: str | None) -> tuple[bool, bool, tuple[str, str] | None, re.Pattern[str]]:
    """How a jurisdiction writes numbers and glued currencies: (decimal comma, dot-grouped thousands,
    CLDR one-letter currency, the number-core pattern). Looked up once per jurisdiction, not per line."""
    dec_comma = decimal_comma(jurisdiction)
    core = (core_patterns(dec_comma, glued_currency_letters(jurisdiction)) if jurisdiction else core_patterns())["core"]
    return dec_comma, dot_grouping(jurisdiction), cldr_glued_currency(jurisdiction), core


class QuantityExtractor:
    """Pure text → Found list, for one line at a time (testable without spaCy)."""

    def __init__(self, gate: bool = True) -> None:
        self.grammar = build_grammar(gate)

    def extract_line(self, line: str, blocked: list[tuple[int, int]] | None = None,
                     jurisdiction: str | None = None) -> list[Found]:
        """Quantities of one line; ``jurisdiction`` (a code) says how numbers are written there."""
        g = self.grammar
        g.dec_comma, g.extras["dot_group"], g.extras["glued_cldr"], g.p["core"] = number_conventions(jurisdiction)
        blocked = sorted(list(blocked or []) + masked(g, line))
        b_starts = [b[0] for b in blocked]
        b_span = max((b[1] - b[0] for b in blocked), default=0)
        found: list[Found] = []
        pos = 0
        while True:
            m = g.p["core"].search(line, pos)
            if not m:
                break
            pos = m.end()
            # Each number is built inside a window of its context (CONTEXT_LEFT/RIGHT characters), so
            # a long line with many numbers costs linear, not quadratic, time (issue 10).
            lo, hi = max(0, m.start() - CONTEXT_LEFT), min(len(line), m.end() + CONTEXT_RIGHT)
            window = line[lo:hi]
            near = blocked[bisect_left(b_starts, lo - b_span):bisect_left(b_starts, hi)]
            q = self._build(window, g.p["core"].match(window, m.start() - lo),
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
                    part.tag("coordchange")
                found.append(part)
            pos = max(pos, max(part.end for part in q))
        return found

    def _build(self, line: str, m: re.Match[str], blocked: list[tuple[int, int]]) -> list[Found] | None:
        """The quantity (or the two of a range) whose core is ``m``; None when it is no quantity."""
        g = self.grammar
        start, end = m.span()
        value, rule = core_value(m, g.dec_comma)
        if (g.extras.get("dot_group") and m.group("num") and DOT_GROUPED.fullmatch(m.group("num"))
                and not g.p["magnitude"].match(line, end)):
            # "Rp 32.000", "$ 5.800" where the jurisdiction groups thousands with a dot (CLDR); "Rp 1.2
            # trillion" keeps its decimal point (English-language press there writes one before a magnitude)
            value, rule = float(m.group("num").replace(".", "")), rule + "+" + check("dotgroup")
        if m.group("sign") and start > 0 and not re.match(r"[\s(]", line[start - 1]):
            start += 1                                              # "30-40", "--5": the dash is no sign
            value = abs(value) if value is not None else None
        if overlaps(start, end, blocked) or reject_core(g, line, m):
            return None
        if value is None:
            return None
        q = Found(start, end, value, rule=rule)
        if m.group("vague"):
            q.bound = ">"                                       # "thousands of works": more than 1000 (corpus gold)
            of = VAGUE_OF.match(line, end)
            money = g.post_unit.match(line, of.end()) if of else None
            if money and lookup_unit(money.group("unit"), g.post_table) in money_units():
                # "millions of dollars": the currency after "of" is the vague amount's unit
                q.unit, q.end = lookup_unit(money.group("unit"), g.post_table), money.end()
                q.tag("ofunit")
        of_magnitude = FRACTION_OF_MAGNITUDE.match(line, end) if m.group("frac") else None
        if of_magnitude:
            q.end = of_magnitude.end()                          # "half a million", "a quarter of a billion"
        slash = SLASH_FRACTION.match(line, end)
        if slash and m.group("num") and float(value).is_integer() and int(slash.group(1)) > 0:
            q.value, q.end = value / int(slash.group(1)), slash.end()   # "1/16 of a US pint"
            q.tag("slashfrac")
        extend_right(g, line, q)
        if q.value is None:
            return None
        # Years and date parts belong to the dates stage unless a unit or magnitude says otherwise.
        if q.unit is None and q.extras.get("mag") is None and m.group("num") and YEAR_LIKE.match(m.group("num")):
            return None
        if overlaps(q.start, q.end, blocked):
            return None
        look_left(g, line, q)
        prefix = SIGN_PREFIX.search(line[:q.start])
        if prefix and q.value is not None:
            if prefix.group(1).lower() == "minus":              # "minus 1.4 degrees", "minus-1.4"
                q.value, q.start = -abs(q.value), prefix.start()
                q.tag("minus")
            else:                                               # "sub-7 nanometer": below; the prefix stays outside
                q.bound = "<"
                q.tag("subbound")
        if m.group("fold"):                                     # a multiplier starts no range or level pair
            q.unit = "x"                                        # "sixfold": 6 x (dimensionless multiplier)
            post_words(g, line, q)
            return [q]
        parts = range_partner(g, line, q, blocked)
        if m.group("hyph") and q.unit is None:
            # "five-tier": span "five-tier", item "tier"; the core matched case-insensitively, so
            # the item does too ("Two-Factor", "FIVE-STAR": the same count in a title or in caps).
            q.change = None
            q.untag("change")  # a count of kinds is an adjective, never a change's size ("Set up Two-Factor")
            word = HYPHEN_ITEM.match(line, q.end)
            if word is None:                                        # extended past the hyphen: no item
                return [q]
            q.item, q.end = word.group(1), word.end()
            return [q]
        for part in parts:
            post_words(g, line, part)
            if part.unit is None and part.item is None and part is parts[-1]:
                part.item = take_item(line, part.end)
                if part.item:
                    part.tag("item")
        attach_rate(line, parts)
        parts = [part for part in parts if part.value is not None]
        return parts or None
