"""The title line named by the input's own ``title`` (a feed item's or a manifest's title).

Feeds and CMS exports usually carry the article's title beside its text; when they do, the line
that says it is the title line, whatever the page around it looks like. The given title is
compared with the page's first lines after normalising case, Unicode forms, whitespace and the
quotes and punctuation around it; a site name added after a separator (``Title | Site``,
``Title - Site``) on either side is allowed for. The first line that matches is the title; none
matching leaves the title to the line model. A rule id (``title_input_match``) says so in the
record. Structure, not vocabulary: the separators below are how page titles join a site name.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

RULE_ID = "title_input_match"
SCAN_LINES = 80            # the title is looked for among this many lines from the top
MIN_PART_WORDS = 3         # a part of a "Title | Site" string counts as the title from this many words
_SEPARATORS = re.compile(r"\s+[|–—-]\s+|\s+::\s+|\s+»\s+")
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _EDGE.sub("", _SPACE.sub(" ", text).strip())


def _forms(text: str) -> set[str]:
    """The whole string and each part of it long enough to be a title on its own."""
    forms = {normalise(text)}
    for part in _SEPARATORS.split(text):
        if len(part.split()) >= MIN_PART_WORDS:
            forms.add(normalise(part))
    forms.discard("")
    return forms


def title_line(lines: Sequence[str], title: str | None) -> int | None:
    """Index of the first line among the top ``SCAN_LINES`` that says ``title``, or None."""
    if not title or not title.strip():
        return None
    wanted = _forms(title)
    if not wanted:
        return None
    for i, line in enumerate(lines[:SCAN_LINES]):
        if line.strip() and len(line) <= 4 * max(len(title), 40) and _forms(line) & wanted:
            return i
    return None
