"""Attaching what surrounds a number to it: currency, bound and change words on its left (or a
change verb with "by"), bound and change words after it, the counted item, and what a rate is per.
Span boundaries follow the guide: currency words inside, bound and change words outside.

All words come from data (words.jsonl: bound_*, change_*, change_verb, change_period,
item_stop, plural_head, not_rate_item; rates.jsonl; units.jsonl). Structure kept in code: an item
runs over words up to the first plural head, and "and" joins two plural heads ("districts and
counties"); a currency symbol (Unicode category Sc) may touch the word before it, a currency word
may not.
"""
from __future__ import annotations

import re
import unicodedata

from pipeline.stages.quantities.found import Found
from functools import lru_cache

from pipeline.stages.quantities.numerals import word_table, words_of
from pipeline.stages.quantities.patterns import Grammar, alt, lookup_unit, period_words, rate_patterns, time_units


def look_left(g: Grammar, line: str, q: Found) -> None:
    """Currency (inside the span), then a change word or change verb, else a bound word (outside)."""
    before = line[:q.start]
    cur = g.pre_unit.search(before)
    if cur and (q.unit is None or q.unit == lookup_unit(cur.group("cur"), g.pre_table)):
        canonical = lookup_unit(cur.group("cur"), g.pre_table)
        if canonical and (_is_symbol(cur.group("cur")[-1:]) or re.search(r"(^|[\s(])$", before[:cur.start()])):
            q.unit, q.start = canonical, cur.start()
            q.tag("currency")
            before = line[:q.start]
    glued = g.extras.get("glued_cldr")
    if (glued and q.unit is None and before.endswith(glued[0])
            and (q.start == 1 or not before[-2].isalnum())):
        q.unit, q.start = glued[1], q.start - 1      # "K2.5 million" in Zambia (the letter CLDR gives its currency)
        q.tag("currency")
        before = line[:q.start]
    change = g.p["change_pre"].search(before)
    verb = g.p["verb_by"].search(before)
    if verb and not change:
        q.change = str(word_table()["change_verb"][verb.group(1).lower()])
        q.tag("verbby")
        return
    if change:
        q.change = word_table()["change_pre"].get(last_change_word(change.group("c")))
        if change.group("b"):
            q.bound = str(word_table()["bound_pre"][re.sub(r"\s+", " ", change.group("b").lower())])
        q.tag("change")
        return
    bound = g.p["bound_pre"].search(before)
    if bound:
        q.bound = str(word_table()["bound_pre"][re.sub(r"\s+", " ", bound.group("b").lower())])
        q.tag("bound")
        change = g.p["change_pre"].search(before[:bound.start()])
        if change:
            q.change = word_table()["change_pre"].get(last_change_word(change.group("c")))


def _is_symbol(char: str) -> bool:
    """"$", "€", "¥": a currency sign, which may follow a word directly ("US$", "HK$")."""
    return len(char) == 1 and unicodedata.category(char) == "Sc"


def post_words(g: Grammar, line: str, q: Found) -> None:
    """A bound word after the number ("5% or more") and a change word ("10% increase")."""
    post = g.p["bound_post"].match(line, q.end)
    if post:
        q.bound = str(word_table()["bound_post"][re.sub(r"\s+", " ", post.group("b").lower())])
        q.tag("postbound")
    if q.change is None:
        change = g.p["change_post"].match(line, q.end)
        if change:
            q.change = str(word_table()["change_post"][change.group("c").lower()])
            q.tag("postchange")


def take_item(text: str, pos: int) -> str | None:
    """Counted noun phrase right after a count: words up to a function word, punctuation, or
    the first plural noun (what follows a plural head is usually the verb: "300 volunteers joined")."""
    stop = words_of("item_stop")
    words: list[str] = []
    tokens = [m.group(1) or m.group(2) for m in re.finditer(r"\s*([A-Za-z][A-Za-z'-]*)|\s*(\S)", text[pos:pos + 100])]
    i = 0
    while i < len(tokens) and len(words) < 6:
        word = tokens[i]
        if not word[:1].isalpha() or word.lower() in stop:
            # "districts and counties": a coordinated plural head continues the item
            if (word.lower() == "and" and words and plural(words[-1]) and i + 1 < len(tokens)
                    and tokens[i + 1][:1].isalpha() and plural(tokens[i + 1])):
                words += [word, tokens[i + 1]]
                i += 2
                continue
            break
        words.append(word)
        if plural(word) and not (i + 1 < len(tokens) and tokens[i + 1].lower() == "and"):
            break
        i += 1
    return " ".join(words) or None


def plural(word: str) -> bool:
    """A plural head: listed (plural_head: "people", "staff") or an -s form that is not -ss/-us/-is/-ous."""
    w = word.lower()
    return w in words_of("plural_head") or (len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")))


def last_change_word(phrase: str) -> str:
    """Strip articles and a leading period qualifier from a change phrase to its lexicon entry."""
    p = re.sub(r"\s+", " ", phrase.lower()).strip()
    p = re.sub(r"^(a|an) ", "", p)
    p = _lead_period().sub("", p)
    table = word_table()["change_pre"]
    if p in table:
        return p
    for prefix in ("a ", "an "):
        if prefix + p in table:
            return prefix + p
    return p


@lru_cache(maxsize=1)
def _lead_period() -> re.Pattern[str]:
    return re.compile(rf"^({alt(period_words('lead'))}) ")


def attach_rate(line: str, parts: list[Found]) -> None:
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
    not_rate = words_of("not_rate_item")
    if row.get("time") and (last.item or "").lower() in not_rate:
        for part in parts:                          # "3 times a week": a SET (guide v1.2), the dates stage's
            part.value = None
        return
    if row.get("time") and last.unit in time_units():
        return
    if (last.item or "").lower() in not_rate:
        return
    for part in parts:
        part.per = row["per"]
        part.tag("per")
