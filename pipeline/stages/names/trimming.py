"""Filtering and trimming of a candidate name span (names stage, issue 19 split of ``NameExtractor``).

Each function takes the line, a candidate (start, end) and the stage's ``NameLexicon`` and returns
the trimmed span or its parts; none finds candidates or assigns keys.

Structure kept in code (closed grammatical patterns, not vocabulary): the connectors a name may
contain (and, of, for, the, on, in, &, 's, de, comma) and the of/for/on/to/in/and tails after a head.
"""
from __future__ import annotations

import re

from pipeline.stages.names.lexicon import NameLexicon

CONNECTOR = r"(?:and|of|for|the|on|in|&|'s|’s|de|,)"


def trim_run(lex: NameLexicon, line: str, start: int, end: int) -> tuple[int, int]:
    """Cut a leading article or function word, a leading comma clause without a head, and trailing connectors."""
    text = line[start:end]
    # Leading article and sentence-initial function words are not part of a name.
    # After a capitalised function word the article that follows goes too ("Under the Environment
    # Act 2021" → "Environment Act 2021"): a name never starts with a lower-case "the".
    m = lex.leading_article_re.match(text)
    if m:
        start += m.end()
        text = line[start:end]
        m = re.match(r"the\s+(?=[A-Z0-9])", text)
        if m:
            start += m.end()
    text = line[start:end]
    # A calendar word before "the" is a leading date, not part of the name ("March the European
    # Commission", "Thursday the Legislative Assembly ..."): the name starts after the article.
    m = re.match(r"(\S+)\s+the\s+(?=[A-Z0-9])", text)
    if m and m.group(1) in lex.lists["calendar_word"]:
        start += m.end()
        text = line[start:end]
    # A leading date, event name or clause is not part of the name ("Today, the Commission",
    # "Earth Day, the U.S. Environmental Protection Agency"): a comma-separated lead without any
    # head noun is cut off (issue 25).
    while True:
        m = re.match(r"([^,]+),\s+(?:the\s+)?", text)
        if not m or lex.has_agency_head(m.group(1)) or lex.programme_head(m.group(1)) \
                or re.fullmatch(r"[A-Z]{2,}[a-z]?", m.group(1).strip()):
            break
        if re.search(r"\b(?:of|for)\s+(?:the\s+)?[^,]*$", line[max(0, start - 40):start]) and m.start() == 0 and \
                lex.has_agency_head(line[max(0, start - 40):start]):
            break                               # "Department of Forestry, Fisheries ...": a list inside the name
        start += m.end()
        text = line[start:end]
    m = re.search(rf"(?:\s+(?:{CONNECTOR}))+\s*$", text)
    if m:
        end = start + m.start()
    # A possessive ends the name before it ("the 25 Year Environment Plan's goals" → "... Plan").
    if re.search(r"\w['’]s$", line[start:end]):
        end -= 2
    return start, end


def cut_titles_and_events(lex: NameLexicon, line: str, start: int, end: int) -> tuple[int, int]:
    """'Deputy Director of X Bureau' → 'X Bureau'; 'Third Plenary Session of the 20th Central Committee' → the committee."""
    text = line[start:end]
    while True:
        m = re.search(r"\s+of\s+(?:the\s+)?", text)
        if not m:
            break
        left = text[:m.start()]
        left_words = set(lex.words(left))
        if (left_words & lex.person_titles or left_words & lex.event_words) and not (left_words & lex.agency_heads):
            start += m.end()
            text = line[start:end]
            continue
        break
    return start, end


def cut_after_head(lex: NameLexicon, line: str, start: int, end: int) -> int:
    """A body's name ends at its last head noun unless an of/for/on tail follows it: 'Environmental
    Audit Committee Chair Philip Dunne MP' → the committee; 'City Council Approves ...' (a title-case
    headline) → 'City Council' (issue 25)."""
    tokens = list(re.finditer(r"[\w'’.&-]+", line[start:end]))
    last = max((i for i, t in enumerate(tokens) if t.group(0) in lex.agency_heads), default=None)
    if last is None or last == len(tokens) - 1:
        return end
    nxt = tokens[last + 1].group(0)
    if nxt in ("of", "for", "on", "to", "in", "and", "&") or nxt in lex.agency_heads:
        return end
    return start + tokens[last].end()


def split_coordination(lex: NameLexicon, line: str, start: int, end: int) -> list[tuple[int, int]]:
    """'X Party Committee and Municipal Government' → two names when both sides carry a head noun."""
    text = line[start:end]
    parts = [(start, end)]
    for m in re.finditer(r"\s+(?:and|&)\s+", text):
        left, right = text[:m.start()], text[m.end():]
        right_first = re.split(r"\s+of\s+", right)[0]
        left_last = re.split(r"\s+of\s+", left)[-1]
        if lex.has_agency_head(left_last) and lex.has_agency_head(right_first) and not re.search(r"\bof\s", right):
            right_start = start + m.end()
            article = re.match(r"the\s+", line[right_start:end])
            parts = [(start, start + m.start()), (right_start + (article.end() if article else 0), end)]
            break
    return parts


def split_programmes(lex: NameLexicon, line: str, start: int, end: int) -> list[tuple[int, int]]:
    """'14th Five-Year Plan and the Blue Sky Campaign' → two names (both sides end in a head)."""
    text = line[start:end]
    for m in re.finditer(r"\s+(?:and|&)\s+(?:the\s+)?", text):
        left = text[:m.start()]
        if left.split() and left.split()[-1] in lex.programme_heads:
            return [(start, start + m.start())] + split_programmes(lex, line, start + m.end(), end)
    return [(start, end)]
