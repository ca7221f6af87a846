"""Numbers that are not quantities: identifiers, telephone numbers, times, ordinals, list markers,
sports scores, street addresses, years of an era, standards' numbers, numbers inside names
("S&P 500", "Three Gorges") and counting words that are not counts ("no one", "half" as adverb).

Vocabulary from data: name prefixes ("No.", "Class"), words that do not start a name
(words.jsonl not_name), phone cues (phone_cue), units and currencies, and the cue words of the
standard / score / address / era / reference / place-name / hotline filters (filters.jsonl).
Structure kept in code: the shapes of telephone numbers, identifiers and scores, and these
closed grammatical sets: the determiners before "one" ("no one", "the one"), the words after
"one" that make it no count ("one of", "one another"), "half"/"a third"/"a quarter" as adverbs,
the auxiliaries ending in -s that are no plural noun ("is", "was", "has").
"""
from __future__ import annotations

import re

from pipeline.stages.quantities.numerals import words_of
from pipeline.stages.quantities.patterns import SIGN_PREFIX, SPORTS_SCORE, Grammar, filter_patterns, lookup_unit


def masked(g: Grammar, line: str) -> list[tuple[int, int]]:
    """Character spans of telephone numbers (a shape, or digits after a phone cue) in a line."""
    spans = [m.span() for m in g.p["phone"].finditer(line)]
    spans += [m.span("num") for m in g.p["phone_cue"].finditer(line)
              if len(re.sub(r"\D", "", m.group("num"))) >= 5 and not g.post_unit.match(line, m.end("num"))]
    return spans


def reject_core(g: Grammar, line: str, m: re.Match[str]) -> bool:
    """True when a number core is part of something else: an identifier, a time, a name, a list
    marker, a score, an address, a year of an era, a standard's number, a slogan."""
    start, end = m.span()
    f = filter_patterns()
    after = line[end:]
    before = line[:start]
    if m.group("num"):
        if re.match(r"[.,]\d", after):                          # 1.2.3, 10,00
            return True
        if re.match(r"0\d", m.group("num")):                    # "045", "0800": an identifier, never an amount
            return True
        if before[-1:] in ("-", "/", ".") and f["id_chain"].search(before):   # "Release No. 23-045", "Notice 2023/145"
            return True
        if after[:1] == ")" and before[-1:] == "(" and (before[-2:-1].isalnum() or before[-2:-1] == ")"):
            return True                                         # "clause 14(2)", "s 3(1)": sub-numbering
        if g.p["ordinal"].match(after):                      # 20th, 1st
            return True
        if re.search(r"[A-Za-z]-$", before) and not SIGN_PREFIX.search(before):  # COVID-19, G-318 (not "sub-7")
            return True
        if g.p["name_prefix"].search(before):                # No. 5, Class 3, version 3.0
            return True
        if re.match(r":\d", after) or re.search(r"\d:$", before):  # times and ratios
            return True
        prev = re.search(r"([A-Za-z&][\w&.]*)\s+$", before)
        # (a word after a colon is not sentence-initial here: "In Europe: Stoxx 50 -1.3%" names an index)
        sentence_initial = prev is not None and re.search(r"(^|[.!?;\"“(]\s*)$", before[:prev.start()]) is not None
        if f["hotline"].match(after):
            return True                                         # "the 12369 hotline"
        if f["standard_part"].search(before):
            return True                                         # "ISO 3888-2", "GB 3095-2012": a standard's number
        dash_before = re.search(r"\d[-–]$", before) or (m.group("sign") and re.search(r"\d$", before))
        score = SPORTS_SCORE.match(after)
        score = score if score and not (g.post_unit.match(after, score.end())
                                        or g.p["magnitude"].match(after, score.end())) else None
        if (score or dash_before) and f["score_context"].search(before[-45:]):
            return True                                         # "beat Charlton 2-1", "tied Game 7 at 89-89"
        if f["street_address"].match(after):
            return True                                         # "16-18 Industrial Avenue": an address
        if f["era_before"].search(before) or f["era_after"].match(after):
            return True                                         # "A.D. 1000 and 1260", "200 BC": years
        if (prev and not sentence_initial and (prev.group(1)[:1].isupper() or "&" in prev.group(1) or re.match(r"[a-z]+[A-Z]", prev.group(1)))
                and prev.group(1).lower() not in words_of("not_name") and not lookup_unit(prev.group(1), g.pre_table)
                and "," not in m.group("num") and not g.post_unit.match(after) and not g.p["magnitude"].match(after)
                and not re.match(r"\s+(?:(?!(?:is|was|has|does|its|as|this|thus|us|plus|his)\b)[a-z]+s|people|percent)\b", after)):
            return True                                         # "S&P 500", "Game 7", "iPhone 11": part of a name
        if start == 0 or line[:start].strip() == "":
            if g.p["list_marker"].match(line[start - (1 if start and line[start - 1] == "(" else 0):]):
                return True
        if after[:1] == ")" and re.search(r"(^|[\s(])$", before) and "(" not in before[-2:] and _digits_value(m.group("num")) < 30:
            if not g.post_unit.match(after):
                return True                                     # list marker "1)"
    else:
        word = m.group(0)
        if re.search(r"[\"“‘']\s*$", before):                   # "six rivers", "two mountains": inside a quoted name
            return True
        if word[:1].isupper() and re.match(r"\s+[A-Z][a-z]", after) and before.strip() != "" \
                and not re.search(r"[.!?:;]\s*$", before) and not m.group("frac"):  # a fraction names nothing
            return True                                         # Three Gorges, Two Sessions (not "...: Two Singaporean sisters")
        if word[:1].isupper() and re.match(r"\s+[A-Z][a-z]", after) and f["place_head"].match(after):
            return True
        if word.lower() == "one" and not (g.p["magnitude"].match(after) or g.post_unit.match(after)):
            # "one team", "one site" are counts; "one of the", "no one", "one another", "one by one" and
            # slogans inside quotes ("one river, one chief") are not
            if (not re.match(r"\s+(?!of\b|in\b|another\b|by\b|who\b|that\b|which\b|and\b|or\b|more\b|day\b)[a-z]", after)
                    or re.search(r"\b(?:no|any|every|each|the|this|that|which|only|same)\s+$", before, re.I)
                    or inside_quotes(before)):
                return True
        if word.lower() in ("half", "a third", "a quarter") and not re.match(r"\s+(of|the|a|an)\b", after) and not g.post_unit.match(after):
            return True                                         # "half" as adverb
    return False


def _digits_value(num: str) -> float:
    """The size of a digit core, group separators dropped ("0 000)" once crashed float())."""
    return float(re.sub(r"[^\d.]", "", num))


def inside_quotes(before: str) -> bool:
    """True when a quotation opened earlier on the line is still open (a slogan or a name)."""
    if before.rfind("“") > before.rfind("”"):
        return True
    return before.count('"') % 2 == 1
