"""Acronym and alias definitions in running text, by the Schwartz–Hearst algorithm.

A. Schwartz and M. Hearst, "A simple algorithm for identifying abbreviation definitions in
biomedical text", PSB 2003 (precision 96%, recall 82% on the Medstract gold standard). Both
directions of the definition pattern are read:

- ``long form (SF)``   "California Air Resources Board (CARB)"
- ``SF (long form)``   "CARB (California Air Resources Board)"

The short form is a parenthesised (or, reversed, the preceding) token sequence of at most two
words and 2–10 characters with at least one letter whose first character is alphanumeric; the
long form candidate is the at most ``min(|SF| + 5, 2·|SF|)`` words before the parenthesis (or,
reversed, the whole parenthesis); the *best long form* is the shortest suffix of the candidate
in which every alphanumeric character of the short form occurs in order, right to left, the
first one at the start of a word (``best_long_form``, the paper's Figure 2, kept literally).

This module only finds definitions (pure functions over one line of text, no spaCy); deciding
whether a definition names an AGENCY or a PROGRAMME is the names stage's job
(``pipeline/stages/names/extractor.py``). Why a module of our own and not scispacy's AbbreviationDetector:
``docs/names.md``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PAREN_RE = re.compile(r"\(([^()\n]{1,200})\)")
WORD_RE = re.compile(r"\S+")


@dataclass(frozen=True)
class Definition:
    short: str
    long: str
    short_start: int          # offsets into the line (or whatever text was given)
    short_end: int
    long_start: int
    long_end: int
    direction: str            # "long-short" ("Full Name (FN)") or "short-long" ("FN (Full Name)")


def valid_short_form(text: str) -> bool:
    """Schwartz–Hearst short-form conditions (2–10 characters, ≤ 2 words, a letter, alphanumeric start),
    plus one of our own: an upper-case letter (names, not "ppm" or "e.g.")."""
    return (2 <= len(text) <= 10 and len(text.split()) <= 2 and text[:1].isalnum()
            and any(c.isalpha() for c in text) and any(c.isupper() for c in text))


def best_long_form(short: str, long: str) -> int | None:
    """Start index in ``long`` of the best long form of ``short`` (Schwartz & Hearst, Fig. 2), or None."""
    s = len(short) - 1
    l = len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l >= 0 and (long[l].lower() != c or (s == 0 and l > 0 and long[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return None
        l -= 1
        s -= 1
    return long.rfind(" ", 0, l + 1) + 1


def _strip_article(text: str, start: int) -> int:
    m = re.match(r"(?:the|The)\s+", text[start:])
    return start + m.end() if m else start


BEFORE_WINDOW = 1000      # characters before a parenthesis searched for its long form (about 29 words at most)


def find_definitions(text: str) -> list[Definition]:
    """Every acronym definition in ``text`` (one line or one sentence), both directions."""
    out: list[Definition] = []
    for m in PAREN_RE.finditer(text):
        inner = m.group(1)
        # "(CARB, the state regulator)" / "(CARB; 2019)": the part before the first , or ; counts
        cut = re.split(r"\s*[,;]\s+", inner, maxsplit=1)[0]
        inner_start = m.start(1) + (len(cut) - len(cut.lstrip()))
        cut = cut.strip()
        if not cut:
            continue
        # Only the text just before the parenthesis can hold the long form (at most 2 x the short form's
        # length in words): a window, not the whole text before it, so a page-long line stays linear (issue 10).
        base = max(0, m.start() - BEFORE_WINDOW)
        before = text[base:m.start()].rstrip()
        if valid_short_form(cut) and len(cut.split()) <= 2:
            # long form (SF)
            n = min(len(cut) + 5, 2 * len(cut))
            words = list(WORD_RE.finditer(before))
            # the candidate stops at a sentence boundary or an earlier parenthesis
            window: list[re.Match[str]] = []
            for w in reversed(words[-n:]):
                if w.group(0).endswith((".", ";", ":", ")")) and window:
                    break
                window.insert(0, w)
            if not window:
                continue
            cand_start = window[0].start()
            cand = before[cand_start:]
            rel = best_long_form(cut, cand)
            if rel is None:
                continue
            long_start = _strip_article(text, base + cand_start + rel)
            long_end = base + len(before)
            long = text[long_start:long_end].rstrip(",")
            long_end = long_start + len(long)
            if len(long) <= len(cut) or cut in long.split() or len(long.split()) < 2 and not re.search(r"[a-z][A-Z]", long):
                continue
            out.append(Definition(cut, long, inner_start, inner_start + len(cut), long_start, long_end, "long-short"))
        elif len(cut.split()) >= 2:
            # SF (long form): the short form is the token right before the parenthesis
            sm = re.search(r"([A-Za-z0-9][\w&.-]*)$", before)
            if not sm:
                continue
            short = sm.group(1).rstrip(".")
            if not valid_short_form(short) or len(cut) <= len(short):
                continue
            rel = best_long_form(short, cut)
            if rel is None:
                continue
            long_start = _strip_article(text, inner_start + rel)
            if text[inner_start:long_start].strip() not in ("", "the", "The"):
                continue                           # the long form must be the whole parenthesis
            long = text[long_start:inner_start + len(cut)]
            out.append(Definition(short, long, base + sm.start(1), base + sm.start(1) + len(short), long_start,
                                  long_start + len(long), "short-long"))
    return out
