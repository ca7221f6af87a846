"""Article fields of guide v1.2 read from the page's own lines: title, byline, source, dateline place.

Each field is ``{"text", "start", "end", "rule"}`` (offsets into the raw text) or ``None``.
The title is the text of the line the segmenter calls ``title``; byline, source and dateline
place come from the generic patterns in ``pipeline/stages/segment/resources/article_fields.jsonl`` (first
match in text order, header lines only; a ``field`` outside byline/source/dateline_place fails at
load time). Nothing here knows a publisher, and no word list lives in this module.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from pipeline.resources import check_values, load_rows

FIELDS = ("title", "byline", "source", "dateline_place")


@lru_cache(maxsize=1)
def field_patterns() -> tuple[tuple[str, str, re.Pattern[str], int], ...]:
    """(id, field, pattern, max_line) of article_fields.jsonl; a field outside FIELDS[1:] fails at load time."""
    check_values("segment", "article_fields", "field", FIELDS[1:])
    return tuple((row["id"], row["field"], re.compile(row["pattern"]), int(row["max_line"]))
                 for row in load_rows("segment", "article_fields"))


def _span(text: str, start: int, end: int, rule: str) -> dict[str, Any] | None:
    value = text[start:end]
    stripped = value.strip()
    if not stripped:
        return None
    start += len(value) - len(value.lstrip())
    return {"text": stripped, "start": start, "end": start + len(stripped), "rule": rule}


def find_fields(text: str, lines: list[dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """The four article fields of one article, given its line entries (start, end, kind)."""
    out: dict[str, dict[str, Any] | None] = {name: None for name in FIELDS}
    title = next((ln for ln in lines if ln["kind"] == "title"), None)
    if title is not None:
        out["title"] = _span(text, title["start"], title["end"], f"title_line:{title.get('rule')}")
    for index, ln in enumerate(lines):
        line = text[ln["start"]:ln["end"]]
        for rule, name, pattern, max_line in field_patterns():
            if out[name] is not None or index >= max_line:
                continue
            m = pattern.search(line)
            if m:
                out[name] = _span(text, ln["start"] + m.start("value"), ln["start"] + m.end("value"), rule)
        if all(out[name] is not None for name in FIELDS[1:]):
            break
    return out
