"""The publication-date anchor: the date relative expressions are resolved against (issue 19).

The article's ``published`` value (partial ISO ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, set from the
manifest, the command line or the text before the dates stage runs) is parsed once, here, into an
:class:`Anchor` with its granularity and basis. ``doc._.anchor`` (pipeline/extensions.py) is that
object, derived from ``doc._.published``/``doc._.published_basis`` so the two can never disagree.

The dates stage may resolve a mention against a *local* anchor instead ("that year" against the year
last mentioned, "during the year" against the article's topic year): those are Anchors too, with their
own basis, and every DATE mention records the value of the anchor it was actually resolved against.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pipeline.stages.segment.lines import format_partial, parse_iso_partial

Granularity = Literal["day", "month", "year"]


@dataclass(frozen=True)
class Anchor:
    """A (possibly partial) calendar date and where it came from."""

    year: int
    month: int | None = None
    day: int | None = None
    basis: str = "published"      # published_basis of the article, or a local basis: "previous-year", "topic-year"

    @property
    def value(self) -> str:
        """Partial ISO form: "2024", "2024-09" or "2024-09-05"."""
        return format_partial(self.year, self.month, self.day)

    @property
    def granularity(self) -> Granularity:
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def ymd(self) -> tuple[int, int | None, int | None]:
        return self.year, self.month, self.day


@lru_cache(maxsize=4096)
def parse_anchor(published: str | None, basis: str | None = None) -> Anchor | None:
    """The article's anchor from its ``published`` value; None when absent or malformed (the only parser
    of a publication date into an anchor: the manifest checks and the text finder use the same
    ``parse_iso_partial``)."""
    parsed = parse_iso_partial(published)
    if parsed is None:
        return None
    year, month, day = parsed
    return Anchor(year, month, day, basis or "published")
