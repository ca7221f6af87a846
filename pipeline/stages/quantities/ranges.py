"""The second number of a range or level pair ("5 to 10 tonnes", "between 3 and 4", "fell from 51
to 34"), read after the first. Joiners and their roles come from words.jsonl (range_joiner: role
"to" may join two levels, "between" only after "between", "dash" a plain range); the currency marks
a range may repeat from units.jsonl (range_repeat). Structure kept in code: "between", "from".
"""
from __future__ import annotations

import re
from functools import lru_cache

from pipeline.stages.quantities.currency import range_repeat_pattern
from pipeline.stages.quantities.found import Found
from pipeline.stages.quantities.numerals import magnitude_value, word_groups
from pipeline.stages.quantities.patterns import YEAR_LIKE, Grammar, lookup_unit
from pipeline.stages.quantities.resolve import extend_right
from pipeline.stages.quantities.values import core_value


@lru_cache(maxsize=1)
def joiner_roles() -> dict[str, str]:
    """Lower-case joiner → role ("to", "between", "dash")."""
    return {str(row["surface"]).lower(): str(row["role"]) for row in word_groups()["range_joiner"]}


def overlaps(start: int, end: int, blocked: list[tuple[int, int]]) -> bool:
    return any(start < b_end and b_start < end for b_start, b_end in blocked)


def range_partner(g: Grammar, line: str, q: Found, blocked: list[tuple[int, int]]) -> list[Found]:
    """[q] alone, or [q, q2] with bounds >= / <= (a range) or two levels (rule part "levels")."""
    mid = g.p["range_mid"].match(line, q.end)
    if not mid or q.value is None:
        return [q]
    # a slash before a repeated currency ("US$5/US$10") is a plain range
    role = joiner_roles().get(line[q.end:mid.end()].strip().lower(), "dash")
    if re.fullmatch(r"\s+[-−]", line[q.end:mid.end()]):
        return [q]                                          # "Stoxx 50 -1.3%": a signed number follows, no range
    cur2 = range_repeat_pattern().match(line[mid.end():])
    m2 = g.p["core"].match(line, mid.end() + (cur2.end() if cur2 else 0))
    if not m2 or overlaps(m2.start(), m2.end(), blocked):
        return [q]
    between = g.p["between"].search(line[:q.start])
    if role == "between" and not between:
        return [q]
    v2, rule2 = core_value(m2, g.dec_comma)
    if v2 is None or (m2.group("num") and YEAR_LIKE.match(m2.group("num")) and not q.unit):
        return [q]
    levels = bool(re.search(r"\bfrom\s+(?:[^\s]+\s+)?$", line[:q.start])) and role == "to"
    q2 = Found(m2.start() + (1 if m2.group("sign") else 0), m2.end(), abs(v2), rule=rule2)
    q2.tag("range")
    extend_right(g, line, q2)
    if cur2:
        q2.start = mid.end()
        q2.unit = q2.unit or lookup_unit(cur2.group(0).strip(), g.pre_table)
    if q2.value is None or (q.unit and q2.unit and q.unit != q2.unit):
        return [q]
    if q.unit is None and q2.unit is None and not between and not (role == "to" and re.match(r"\s+[a-z]", line[q2.end:])):
        return [q]
    if (role == "to" and not levels and q.change is None and q.unit is not None and q2.unit is None
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
    change_then_level = q.change is not None and role == "to"   # "rose by 5 days to 333 days"
    if q2.unit is None and not (change_then_level and q.unit == "%"):
        q2.unit = q.unit                                # (but "rose 8.15% to 3.65": a price, not a percentage)
    levels = levels or change_then_level
    if levels:
        # "fell from 51 to 34 μg/m3": an old and a new level, not a range
        q2.change = None
        q.tag("levels")
        q2.rule = q2.rule.replace("+range", "+levels")
        return [q, q2]
    q.bound, q2.bound = ">=", "<="
    q.tag("range")
    q2.change = q.change
    return [q, q2]
