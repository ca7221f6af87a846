"""The lines the names stage reads (names stage, issue 19 split): allowed lines minus page chrome.

A line is chrome when a pattern of ``chrome.jsonl`` matches it (menus, contact blocks) or by its
shape: a run of three or more short lines (≤ 6 words, no sentence end), or a short line next to
a chrome line. The six-word limit and the sentence-end characters are structure, kept in code.
"""
from __future__ import annotations

import re
from functools import lru_cache

from spacy.tokens import Doc

from pipeline.extensions import raw_text
from pipeline.resources import load_rows

NAME_LINES_KEY = "govnews_names_lines"


@lru_cache(maxsize=1)
def chrome_pattern() -> re.Pattern[str]:
    """All chrome patterns of chrome.jsonl as one case-insensitive pattern."""
    return re.compile("|".join(f"(?:{r['pattern']})" for r in load_rows("names", "chrome")), re.I)


def is_chrome_line(line: str) -> bool:
    """A menu or contact line the segmenter left body: no names are read from it (issue 25)."""
    return len(line) < 400 and chrome_pattern().search(line) is not None


def chrome_block_starts(doc: Doc, raw: str) -> frozenset[int]:
    """Starts of lines that are chrome (``is_chrome_line``) or sit in page chrome by their shape, whatever
    kind the segmenter gave them (issue 25): runs of three or more consecutive short lines (≤ 6 words, no sentence end) — menus,
    footers, link lists — and short lines next to a contact line (phone, e-mail, 'Media contact')."""
    lines = doc._.lines or []
    texts = [raw[ln["start"]:ln["end"]].strip() for ln in lines]

    def short(t: str) -> bool:
        return 0 < len(t.split()) <= 6 and not t.endswith((".", "?", "!", ";", ",", ":")) and not t.startswith(("•", "-", "*", "–"))

    out: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and short(texts[j]):
            j += 1
        if j - i >= 3:
            out.update(lines[k]["start"] for k in range(i, j))
        i = max(j, i + 1)
    for i, t in enumerate(texts):
        if t and is_chrome_line(t):
            out.add(lines[i]["start"])
            for k in range(max(0, i - 2), min(len(lines), i + 3)):
                if short(texts[k]):
                    out.add(lines[k]["start"])
    return frozenset(out)


def name_lines(doc: Doc, raw: str | None = None) -> list[tuple[int, int, str]]:
    """The allowed lines the names stage reads: no chrome line, no line of a chrome block."""
    cached = doc.user_data.get(NAME_LINES_KEY)
    if cached is not None:
        return cached
    from pipeline.execution.isolation import CURRENT_LINE
    from pipeline.stages.segment.lines import allowed_ranges

    raw = raw_text(doc) if raw is None else raw      # Doc.text re-joins every token: the caller passes it (issue 10)
    blocks = chrome_block_starts(doc, raw)
    lines = []
    for s, e in allowed_ranges(doc):
        doc.user_data[CURRENT_LINE] = (s, e)    # named in the error if the stage fails here (issue 22)
        if s not in blocks:                     # chrome lines and chrome blocks (chrome_block_starts)
            lines.append((s, e, raw[s:e]))
    doc.user_data[NAME_LINES_KEY] = lines       # read three times per article (rules, acronyms, standalone bodies)
    return lines

