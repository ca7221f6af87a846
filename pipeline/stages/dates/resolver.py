"""Resolving found dates against their anchor (step 2 of the dates stage), one article at a time.

``timex.resolve`` is the pure calendar arithmetic; this module chooses the anchor each ``Hit`` is
resolved against and keeps the article context that needs:

- the article's anchor (``doc._.anchor``: the publication date, pipeline/anchor.py);
- "that year", "a year earlier": the year most recently mentioned (basis ``previous-year``; "a year
  earlier" looks back only within its own paragraph);
- "during the year": the year mentioned most often so far, the article's topic year (basis ``topic-year``);
- "a year ago/earlier" beside a quarter's figures: that quarter a year back.

Every result carries the anchor actually used (None when the expression needed none), so the
mention can record it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.anchor import Anchor
from pipeline.stages.dates.finder import Hit
from pipeline.stages.dates.timex import Resolved, resolve

YEAR_BACK_RULES = ("date_rel_ago", "date_rel_earlier")
_QUARTER = re.compile(r"\d{4}-Q[1-4]")


def quarter_in_scope(quarter_line: int, line_no: int) -> bool:
    """Whether a quarter mentioned on ``quarter_line`` dates "a year earlier" on ``line_no``: anywhere earlier in
    the article (TempEval-3 half B: 0.7778 with the whole article, 0.7767 with the same line only)."""
    return True


@dataclass
class ArticleResolver:
    """Resolves the hits of one article in text order, remembering the years and quarters mentioned."""

    anchor: Anchor | None
    last_year: int | None = None                 # the year most recently mentioned: the referent of "that year"
    last_year_line: int = -1
    last_quarter: tuple[int, int, int] | None = None   # (year, quarter, line) of the latest quarter mentioned
    year_counts: dict[int, int] = field(default_factory=dict)   # years of the DATEs so far; the most frequent is the topic

    def local_anchor(self, hit: Hit, line_no: int) -> Anchor | None:
        """The anchor this hit is resolved against: the article's, or one its context gives."""
        if hit.rule == "date_rel_earlier" and self.last_year_line != line_no:
            self.last_year = None          # "a year earlier" looks back only within its own paragraph
        if hit.partial.topic_year and self.year_counts:
            topic = max(self.year_counts, key=lambda y: (self.year_counts[y], y))
            return Anchor(topic, basis="topic-year")
        if hit.partial.relative_to_previous and self.last_year is not None:
            # "a month earlier" after a year: counted from that year's January (a month anchor)
            return Anchor(self.last_year, None if hit.partial.month_offset is None else 1, basis="previous-year")
        return self.anchor

    def resolve(self, hit: Hit, line_no: int) -> tuple[Resolved, Anchor | None]:
        """(value, the anchor used or None when the expression needed none)."""
        anchor = self.local_anchor(hit, line_no)
        try:
            resolved = resolve(hit.partial, anchor.ymd() if anchor else None)
        except (OverflowError, ValueError):   # "800,000 days ago": before year 1 (issue 10)
            resolved = Resolved(hit.partial.timex_type, "XXXX", True, ["out of the calendar's range"])
        if hit.rule in YEAR_BACK_RULES and self.last_quarter is not None and quarter_in_scope(self.last_quarter[2], line_no) \
                and len(resolved.value) == 4 and resolved.value.isdigit():
            # "a year ago" / "a year earlier" beside a quarter's figures is that quarter a year back
            # (TimeBank: "profit rose in the third quarter from ... a year earlier" → 1988-Q3)
            shift = int(resolved.value) - (anchor.year if anchor else int(resolved.value))
            resolved = Resolved("DATE", f"{self.last_quarter[0] + shift:04d}-Q{self.last_quarter[1]}")
        self._remember(hit, resolved, line_no)
        return resolved, anchor if hit.partial.needs_anchor() else None

    def _remember(self, hit: Hit, resolved: Resolved, line_no: int) -> None:
        if _QUARTER.fullmatch(resolved.value):
            self.last_quarter = (int(resolved.value[:4]), int(resolved.value[-1]), line_no)
        if resolved.timex_type == "DATE" and resolved.value[:4].isdigit() and not hit.partial.relative_to_previous:
            self.last_year = int(resolved.value[:4])
            self.last_year_line = line_no
            self.year_counts[self.last_year] = self.year_counts.get(self.last_year, 0) + 1
