"""Pure resolver: underspecified temporal values + publication date → TIMEX3 values.

The dates stage extracts; this module only computes. ``Partial`` says what the text
said (a literal year, "this year", a month of "last year", a duration, a reference);
``resolve`` applies the anchor (``pipeline.anchor.Anchor.ymd()``: year, month or None, day or None;
or None when there is none). Granularity
is kept: a month anchor never invents a day, and no anchor leaves ``XXXX`` and the flag
``underspecified``. Never reads the clock.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

# (year, month, day) of the anchor: pipeline.anchor.Anchor.ymd(); the resolver needs no more
Anchor = tuple[int, int | None, int | None]


@dataclass(frozen=True)
class Partial:
    """What an expression says before the anchor is applied."""

    timex_type: str = "DATE"           # DATE / DURATION / SET / TIME
    year: int | None = None            # literal year
    year_offset: int | None = None     # relative to the anchor year (0 this, -1 last, +1 next)
    month: int | None = None
    month_offset: int | None = None    # this/last/next month
    day: int | None = None
    day_offset: int | None = None      # today / yesterday / tomorrow
    week_offset: int | None = None
    weekday: int | None = None         # ISO weekday; resolved to the nearest past (or future) one
    weekday_future: bool = False
    quarter: int | None = None
    half: int | None = None
    season: str | None = None
    decade: int | None = None          # 198 for the 1980s
    daypart: str | None = None
    clock: str | None = None           # "10:00"
    literal: str | None = None         # a value needing no anchor: durations, sets, refs
    month_default_year: bool = False   # bare month/day: year from the anchor, moved back when clearly past
    past_tense: bool = True
    quarter_offset: int | None = None
    relative_to_previous: bool = False  # "that year", "a year earlier": resolved against the last mentioned year
    month_direction: int | None = None  # "last May" (-1) / "next May" (+1): the nearest such month strictly before / after
    year_shift: int = 0                # applied after the year is found ("the year-ago third quarter": -1)
    fiscal: bool = False               # "fiscal 2022", "FY2022" → FY2022 (TIMEX3 fiscal-year value)
    weekend: bool = False              # "the weekend" → the week's weekend, 1998-W08-WE
    topic_year: bool = False           # "during the year": the year the article is about (set by the dates stage)
    decade_offset: int | None = None   # "this decade" (0), "the decade before" (-1): relative to the anchor's decade (guide v1.2)
    fy_offset: int | None = None       # "this financial year" (0), "last financial year" (-1): the jurisdiction's financial year
    fy_start: int = 1                  # first month of that financial year (resources/dates/jurisdictions.jsonl)
    fy_named_by_start: bool = False    # Japan: fiscal 2022 begins in April 2022; elsewhere a financial year is named by its end year

    def needs_anchor(self) -> bool:
        return self.literal is None and self.decade is None and self.year is None


@dataclass
class Resolved:
    timex_type: str
    value: str
    underspecified: bool = False
    notes: list[str] = field(default_factory=list)


SEASON_MIDDLE_MONTH = {"SP": 4, "SU": 7, "FA": 10, "WI": 1}


def _year_of(p: Partial, anchor: Anchor | None) -> int | None:
    y = _base_year(p, anchor)
    return y + p.year_shift if y is not None else None


def _base_year(p: Partial, anchor: Anchor | None) -> int | None:
    if p.year is not None:
        return p.year
    if anchor is None:
        return None
    if p.month_direction is not None and p.month is not None and anchor[1] is not None:
        ay, am = anchor[0], anchor[1]
        if p.month_direction < 0:
            return ay if p.month < am else ay - 1   # "last May": the latest May before the anchor's month
        return ay if p.month > am else ay + 1       # "next May": the first May after it
    if p.year_offset is not None:
        return anchor[0] + p.year_offset
    if p.month_default_year and p.quarter is not None:
        y, m, _ = anchor
        if m is not None and p.past_tense and p.quarter > (m - 1) // 3 + 1:
            return y - 1                    # "the fourth quarter" reported in January: last year's
        return y
    if p.month_default_year and p.season is not None and p.month is None:
        y, m, _ = anchor
        middle = SEASON_MIDDLE_MONTH.get(p.season)
        if m is not None and middle is not None and p.past_tense and middle - m > 3:
            return y - 1                    # "in winter" reported in March: the one just past
        if m is not None and middle is not None and not p.past_tense and middle - m <= -2:
            return y + 1                    # "will open in the spring" said in September: the next one
        return y
    if p.month_default_year and p.month is not None:
        y, m, d = anchor
        if m is not None:
            # A bare month/day takes the anchor's year unless the tense says otherwise: more than three
            # months ahead of the anchor and said of the past, it is last year's ("in December" reported in
            # March); half a year or more behind it and said of the future, next year's ("in February"
            # said in November of something planned). A future month ahead stays this year's.
            ahead = (p.month - m) if p.day is None or d is None else (p.month - m) + (p.day - d) / 31
            if p.past_tense and ahead > 3:
                return y - 1
            if not p.past_tense and ahead <= -6:
                return y + 1
        return y
    return anchor[0]


def _fmt(y: int | None, m: int | None = None, d: int | None = None) -> str:
    ys = f"{y:04d}" if y is not None else "XXXX"
    if m is None:
        return ys
    if d is None:
        return f"{ys}-{m:02d}"
    return f"{ys}-{m:02d}-{d:02d}"


def _on_day(d: date, p: Partial) -> Resolved:
    """A resolved day, as a TIME when the expression also gave a clock time or a part of the day."""
    if p.clock:
        return Resolved("TIME", f"{d.isoformat()}T{p.clock}")
    if p.daypart:
        return Resolved("TIME", f"{d.isoformat()}T{p.daypart}")
    return Resolved("DATE", d.isoformat())


def resolve(p: Partial, anchor: Anchor | None) -> Resolved:
    if p.literal is not None:
        return Resolved(p.timex_type, p.literal)
    if p.decade is not None:
        return Resolved("DATE", f"{p.decade:03d}")
    if p.decade_offset is not None:
        if anchor is None:
            return Resolved("DATE", "XXX", True, ["year anchor needed"])
        return Resolved("DATE", f"{anchor[0] // 10 + p.decade_offset:03d}")
    if p.fy_offset is not None:
        if anchor is None:
            return Resolved("DATE", "FYXXXX", True, ["year anchor needed"])
        ay, am = anchor[0], anchor[1]
        fy = ay
        if p.fy_start != 1 and am is not None:
            # the financial year the anchor falls in, named by the year it ends in (or begins in)
            ends_next = am >= p.fy_start
            fy = (ay if ends_next else ay - 1) if p.fy_named_by_start else (ay + 1 if ends_next else ay)
        return Resolved("DATE", f"FY{fy + p.fy_offset:04d}")
    under = anchor is None and p.needs_anchor()
    if p.day_offset == 0 and p.daypart is None and p.clock is None and (anchor is None or anchor[2] is None):
        return Resolved("DATE", "PRESENT_REF")   # "today" without a day anchor reads as "nowadays"
    if p.day_offset is not None:
        if anchor is None or anchor[2] is None:
            return Resolved("DATE", "XXXX-XX-XX", True, ["day anchor needed"])
        return _on_day(date(*anchor) + timedelta(days=p.day_offset), p)  # type: ignore[arg-type]
    if p.weekday is not None:
        if anchor is None or anchor[2] is None:
            return Resolved(p.timex_type, "XXXX-WXX-" + str(p.weekday), True, ["day anchor needed"])
        a = date(*anchor)  # type: ignore[arg-type]
        delta = (a.isoweekday() - p.weekday) % 7
        if delta == 0 and p.week_offset == -1:
            delta = 7                       # "last Wednesday" said on a Wednesday
        d = a - timedelta(days=delta)
        if p.weekday_future and delta:
            d = d + timedelta(days=7)
        elif delta == 6 and p.week_offset is None:
            # the day after the anchor is "tomorrow", not six days back: news names a day six days gone as
            # "last Tuesday" (TimeBank: 11 bare weekdays at +1 day, 2 at -6)
            d = a + timedelta(days=1)
        return _on_day(d, p)
    if p.week_offset is not None:
        if anchor is None or anchor[2] is None:
            return Resolved("DATE", "XXXX-WXX" + ("-WE" if p.weekend else ""), True, ["day anchor needed"])
        a = date(*anchor)  # type: ignore[arg-type]
        d = a + timedelta(days=7 * p.week_offset)
        if p.weekend and p.past_tense and p.week_offset == 0 and a.isoweekday() < 6:
            d -= timedelta(days=7)          # "over the weekend" said on a weekday: the one just past
        iso = d.isocalendar()
        return Resolved("DATE", f"{iso[0]:04d}-W{iso[1]:02d}" + ("-WE" if p.weekend else ""))
    if p.month_offset is not None:
        if anchor is None or anchor[1] is None:
            return Resolved("DATE", "XXXX-XX", True, ["month anchor needed"])
        total = anchor[0] * 12 + anchor[1] - 1 + p.month_offset
        return Resolved("DATE", _fmt(total // 12, total % 12 + 1))
    if p.quarter_offset is not None:
        if anchor is None or anchor[1] is None:
            return Resolved("DATE", "XXXX-QX", True, ["month anchor needed"])
        q = (anchor[0] * 4 + (anchor[1] - 1) // 3) + p.quarter_offset
        return Resolved("DATE", f"{q // 4:04d}-Q{q % 4 + 1}")
    y = _year_of(p, anchor)
    if y is None:
        under = True
    if p.quarter is not None:
        return Resolved("DATE", f"{_fmt(y)}-Q{p.quarter}", under)
    if p.half is not None:
        return Resolved("DATE", f"{_fmt(y)}-H{p.half}", under)
    if p.season is not None:
        return Resolved(p.timex_type, f"{_fmt(y)}-{p.season}", under)
    if p.fiscal and p.month is None and y is not None:
        return Resolved("DATE", f"FY{y:04d}", under)
    if p.daypart is not None and p.month is None:
        return Resolved("TIME", f"{_fmt(y)}-XX-XXT{p.daypart}", under)
    if p.day is not None and p.month is not None and y is not None:
        if p.day > calendar.monthrange(y, p.month)[1]:
            return Resolved("DATE", _fmt(y, p.month), under, ["impossible day dropped"])
    value = _fmt(y, p.month, p.day)
    if p.clock:
        return Resolved("TIME", f"{value}T{p.clock}", under)
    return Resolved(p.timex_type, value, under)
