"""Finding date expressions (step 1 of the dates stage): rules → ``Hit`` with a ``timex.Partial``.

Each rule of ``resources/rules.jsonl`` (compiled in ``vocabulary.py``) names a handler here, a
``_h_<name>`` method turning its match into what the text says (a ``Partial``), before any anchor is
applied (``resolver.py``). Spans are chosen leftmost-longest; durations that are tallies ("316 days"
of good air) are left to the quantities stage.

Words and offsets come from ``resources/lexicon.jsonl`` through ``vocabulary``; value pieces
(month numbers, counts, durations, clock times) from ``values``; the tense and tally context of a
match from ``context``. One closed phrase stays in a handler as grammar: "this coming/this past/the
coming summer" name the nearest season (year offset 0).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from spacy.tokens import Doc

from pipeline.stages.dates.context import TenseReader, followed_by_unit, is_tally, suffix_len
from pipeline.stages.dates.timex import Partial
from pipeline.stages.dates.values import (
    clock_value, count, duration_value, full_year, month_number, rel_year, tail_clock, year_any,
)
from pipeline.stages.dates.vocabulary import (
    Convention, compiled_rules, lexicon, line_cues, offset, ordinal, rel_offset,
)
from pipeline.stages.segment.lines import allowed_lines

Match = re.Match[str]
Part = tuple[int, int, Partial]
Handler = Callable[[Match, str], list[Part]]


@dataclass
class Hit:
    start: int
    end: int
    partial: Partial
    rule: str


class DateExtractor:
    """Pure text → Hit list for one line."""

    def __init__(self) -> None:
        self.rules = compiled_rules()
        self.conv = Convention()      # the article's date conventions, set per document by DatesComponent
        self.tense = TenseReader()
        self.handlers: dict[str, Handler] = handlers_of(self)

    def extract_line(self, line: str) -> list[Hit]:
        candidates: list[tuple[int, int, int, Hit]] = []
        present = line_cues(line)
        if not present:
            return []
        for order, rule in enumerate(self.rules):
            if rule.requires and not present.intersection(rule.requires):
                continue
            handler = self.handlers[rule.handler]
            for m in rule.regex.finditer(line):
                parts = handler(m, line)
                if not parts:
                    continue
                whole_start = min(p[0] for p in parts)
                whole_end = max(p[1] for p in parts)
                for s, e, partial in parts:
                    candidates.append((whole_start, whole_end, order, Hit(s, e, partial, rule.id)))
        # leftmost-longest over whole matches (a range's two parts travel together)
        chosen: list[Hit] = []
        taken_starts: list[int] = []     # the taken matches are disjoint: sorted starts and ends, bisect (issue 10)
        taken_ends: list[int] = []
        groups: dict[tuple[int, int, int], list[Hit]] = {}
        for ws, we, order, hit in candidates:
            groups.setdefault((ws, we, order), []).append(hit)
        for (ws, we, order) in sorted(groups, key=lambda k: (-(k[1] - k[0]), k[0], k[2])):
            i = bisect_left(taken_starts, we)
            if i and taken_ends[i - 1] > ws:
                continue
            taken_starts.insert(i, ws)
            taken_ends.insert(i, we)
            chosen.extend(groups[(ws, we, order)])
        return sorted(chosen, key=lambda h: h.start)

    # ---- handlers: (match, line) -> [(start, end, Partial)] ------------------------------
    def _h_mdy(self, m: Match, line: str) -> list[Part]:
        y = m.group("y")
        rel = m.groupdict().get("rel")
        month, day = month_number(m.group("m")), int(m.group("d"))
        p = Partial(year=int(y) if y else None, year_offset=rel_year(rel) if rel else None, month=month, day=day,
                    month_default_year=y is None and rel is None, past_tense=self.tense.past(m, line))
        return [(m.start(), m.end(), p)]

    def _h_iso(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), month=int(m.group("m")), day=int(m.group("d")),
                                             clock=tail_clock(m)))]

    def _h_numeric(self, m: Match, line: str) -> list[Part]:
        """dd/mm/yyyy or mm/dd/yyyy by the article's jurisdiction (guide v1.2); dd.mm.yyyy, dd-mm-yyyy day first
        unless the jurisdiction writes month first. A part above 12 decides the order by itself."""
        a, b = int(m.group("a") or m.group("a2")), int(m.group("b") or m.group("b2"))
        month_first = self.conv.month_first
        if a > 12 and b > 12:
            return []
        if a > 12:
            month_first = False
        elif b > 12:
            month_first = True
        month, day = (a, b) if month_first else (b, a)
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return []
        return [(m.start(), m.end(), Partial(year=year_any(m.group("y") or m.group("y2")), month=month, day=day,
                                             clock=tail_clock(m)))]

    def _h_ymd(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), month=int(m.group("m")), day=int(m.group("d")),
                                             clock=tail_clock(m)))]

    def _h_dmony(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(year=year_any(m.group("y")), month=month_number(m.group("m")), day=int(m.group("d")),
                                             clock=tail_clock(m)))]

    def _h_fy_named(self, m: Match, line: str) -> list[Part]:
        # "the 2021-22 financial year", "financial year 2021/22", "the 2022/23 year": one FY by its end year (guide v1.2)
        y1 = int(m.group("y1") or m.group("y1b"))
        y2 = full_year(y1, m.group("y2") or m.group("y2b"))
        if y2 != y1 + 1:
            return []
        return [(m.start(), m.end(), Partial(year=y2, fiscal=True))]

    def _h_fy_rel(self, m: Match, line: str) -> list[Part]:
        off = rel_offset(m.group("rel") or "the")
        return [(m.start(), m.end(), Partial(fy_offset=off, fy_start=self.conv.fy_start,
                                             fy_named_by_start=self.conv.fy_named_by_start))]

    def _h_decade_rel(self, m: Match, line: str) -> list[Part]:
        # "this decade", "the end of the decade" (the anchor's decade), "the decade before", "the previous decade"
        which = m.group("which") or m.group("which2")
        off = offset("decade_ref", which) if which else 0
        return [(m.start(), m.end(), Partial(decade_offset=off))]

    def _h_dur_compound(self, m: Match, line: str) -> list[Part]:
        # "1 year and 6 months" → P1Y6M, "two years, three months" → P2Y3M, "3 hours and 30 minutes" → PT3H30M
        order = ["Y", "M", "W", "D", "H", "MIN"]
        parts = []
        for ng, ug in (("n1", "u1"), ("n2", "u2")):
            n = count(m.group(ng))
            unit = lexicon()["unit"].get(m.group(ug).lower())
            if n is None or unit is None or not float(n).is_integer() or unit not in order:
                return []
            parts.append((int(n), unit))
        if order.index(parts[0][1]) >= order.index(parts[1][1]):
            return []                               # "6 months and 1 year": not one length of time
        date_part = "".join(f"{n}{u}" for n, u in parts if u in ("Y", "M", "W", "D"))
        time_part = "".join(f"{n}{'M' if u == 'MIN' else u}" for n, u in parts if u in ("H", "MIN"))
        value = "P" + date_part + (f"T{time_part}" if time_part else "")
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=value))]

    def _h_md_range(self, m: Match, line: str) -> list[Part]:
        month = month_number(m.group("m1"))
        y = int(m.group("y")) if m.group("y") else None
        tense = self.tense.past(m, line)
        p1 = Partial(year=y, month=month, day=int(m.group("d1")), month_default_year=y is None, past_tense=tense)
        p2 = replace(p1, day=int(m.group("d2")))
        return [(m.start(), m.end("d1") + suffix_len(line, m.end("d1")), p1),
                (m.start("d2"), m.end(), p2)]

    def _h_mdmd_range(self, m: Match, line: str) -> list[Part]:
        # "August 26 to September 26, 2021": the year written once at the end dates both ends
        y = int(m.group("y")) if m.group("y") else None
        rel = m.groupdict().get("rel")
        off = rel_year(rel) if rel else None
        tense = self.tense.past(m, line)
        def end(mm: str, dd: str) -> Partial:
            return Partial(year=y, year_offset=off, month=month_number(m.group(mm)), day=int(m.group(dd)),
                           month_default_year=y is None and off is None, past_tense=tense)
        return [(m.start("m1"), m.end("d1") + suffix_len(line, m.end("d1")), end("m1", "d1")),
                (m.start("m2"), m.end(), end("m2", "d2"))]

    def _h_month_range(self, m: Match, line: str) -> list[Part]:
        year_off = rel_year(m.group("rel"))
        y = int(m.group("y")) if m.group("y") else None
        tense = self.tense.past(m, line)
        p1 = Partial(year=y, year_offset=year_off, month=month_number(m.group("m1")),
                     month_default_year=(y is None and year_off is None), past_tense=tense)
        p2 = replace(p1, month=month_number(m.group("m2")))
        return [(m.start("m1"), m.end("m1"), p1), (m.start("m2"), m.end(), p2)]

    def _h_month_rel(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(year_offset=rel_year(m.group("rel")), month=month_number(m.group("m"))))]

    def _h_month_year(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), month=month_number(m.group("m"))))]

    def _h_earlier(self, m: Match, line: str) -> list[Part]:
        unit = (m.group("u") or m.group("u2") or "").lower().rstrip("s")
        n = count(m.group("n")) if m.group("n") else 1
        if n is None:
            return []
        sign = offset("direction", m.group("dir") or m.group("dir2"))
        off = int(n) * sign
        p = Partial(year_offset=off) if unit == "year" else Partial(month_offset=off)
        return [(m.start(), m.end(), replace(p, relative_to_previous=True))]

    def _h_that_year(self, m: Match, line: str) -> list[Part]:
        off = rel_offset(m.group("w"))
        month = month_number(m.group("m")) if m.group("m") else None
        day = int(m.group("d")) if m.group("d") else None
        return [(m.start(), m.end(), Partial(year_offset=off, month=month, day=day if month else None, relative_to_previous=True))]

    def _h_daypart_bare(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(timex_type="TIME", literal=f"XXXX-XX-XXT{lexicon()['daypart'][m.group('dp').lower()]}"))]

    def _h_duration_range(self, m: Match, line: str) -> list[Part]:
        unit = lexicon()["unit"].get(re.sub(r"\s+", " ", m.group("u").lower()))
        n1, n2 = count(m.group("n1")), count(m.group("n"))
        if unit is None or n1 is None or n2 is None or n1 >= n2 or (unit in ("D", "H") and is_tally(line, m, n2)):
            return []
        return [(m.start("n1"), m.end("n1"), Partial(timex_type="DURATION", literal=duration_value(n1, unit))),
                (m.start("n"), m.end(), Partial(timex_type="DURATION", literal=duration_value(n2, unit)))]

    def _h_month_bare(self, m: Match, line: str) -> list[Part]:
        word = m.group("m")
        after = line[m.end():m.end() + 12]
        if re.match(r"\s+\d", after):
            return []
        return [(m.start(), m.end(), Partial(month=month_number(word), month_default_year=True, past_tense=self.tense.past(m, line)))]

    def _h_year(self, m: Match, line: str) -> list[Part]:
        if followed_by_unit(line, m.end()):
            return []
        return [(m.start(), m.end(), Partial(year=int(m.group("y")), fiscal=bool(m.groupdict().get("fy"))))]

    def _h_year_range(self, m: Match, line: str) -> list[Part]:
        y1 = int(m.group("y1"))
        y2 = full_year(y1, m.group("y2"))
        if not y1 < y2 <= y1 + 100 or followed_by_unit(line, m.end()):
            return []
        start1 = m.start()
        fiscal = bool(m.groupdict().get("fy"))
        return [(start1, m.end("y1"), Partial(year=y1, fiscal=fiscal)), (m.start("y2"), m.end("y2"), Partial(year=y2, fiscal=fiscal))]

    def _h_decade(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(decade=int(m.group("y")) // 10))]

    def _h_half(self, m: Match, line: str) -> list[Part]:
        half = ordinal(m.group("ord"), of=2)
        y = int(m.group("y")) if m.group("y") else None
        return [(m.start(), m.end(), Partial(year=y, year_offset=rel_year(m.group("rel")), half=half))]

    def _h_quarter(self, m: Match, line: str) -> list[Part]:
        q = ordinal(m.group("ord"), of=4)
        y = int(m.group("y")) if m.group("y") else None
        rel = rel_year(m.group("rel"))
        # A bare quarter is the most recent one of that number (news reports past quarters).
        return [(m.start(), m.end(), Partial(year=y, year_offset=rel, quarter=q,
                                             month_default_year=(y is None and rel is None), past_tense=self.tense.past(m, line)))]

    def _h_the_quarter(self, m: Match, line: str) -> list[Part]:
        which = m.group("which")
        off = offset("quarter_ref", which) if which else -1    # "the quarter": the one just reported
        return [(m.start(), m.end(), Partial(quarter_offset=off))]

    def _h_rel_month(self, m: Match, line: str) -> list[Part]:
        month = month_number(m.group("m"))
        direction = rel_offset(m.group("rel"))
        if direction == 0:                      # "this September": the anchor's year
            return [(m.start(), m.end(), Partial(year_offset=0, month=month))]
        return [(m.start(), m.end(), Partial(month=month, month_direction=direction))]

    def _h_first_n(self, m: Match, line: str) -> list[Part]:
        n = count(m.group("n"))
        unit = lexicon()["unit"][m.group("u").lower()]
        if unit == "Q" and n is not None:
            n, unit = n * 3, "M"
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=duration_value(n, unit)))]

    def _h_same_period(self, m: Match, line: str) -> list[Part]:
        y = int(m.group("y")) if m.group("y") else None
        return [(m.start(), m.end(), Partial(year=y, year_offset=None if y else rel_year(m.group("rel"))))]

    def _h_ago(self, m: Match, line: str) -> list[Part]:
        n = count(m.group("n"))
        if n is None:
            return []
        unit = m.group("u").lower().rstrip("s")
        n = int(n)
        if unit == "year":
            p = Partial(year_offset=-n)
        elif unit == "decade":
            p = Partial(year_offset=-10 * n)
        elif unit == "month":
            p = Partial(month_offset=-n)
        elif unit == "week":
            p = Partial(week_offset=-n)
        else:
            p = Partial(day_offset=-n)
        return [(m.start(), m.end(), p)]

    def _h_rel_unit(self, m: Match, line: str) -> list[Part]:
        off = rel_offset(m.groupdict().get("rel") or "this")   # "earlier this year", "the end of the year": this
        unit = m.group("u").lower()
        if unit == "year":
            p = Partial(year_offset=off)
        elif unit == "month":
            p = Partial(month_offset=off)
        elif unit == "week":
            p = Partial(week_offset=off)
        elif unit == "quarter":
            p = Partial(quarter_offset=off)
        else:  # decade
            if off == 0:
                return []
            p = Partial(timex_type="DURATION", literal="P10Y")
        return [(m.start(), m.end(), p)]

    def _h_season(self, m: Match, line: str) -> list[Part]:
        code = lexicon()["season"][m.group("s").lower()]
        rel = m.groupdict().get("rel")
        y = m.groupdict().get("y")
        if rel:
            rel = re.sub(r"\s+", " ", rel.lower())
            # "this coming/this past/the coming summer" name the nearest summer: the anchor's year (grammar, not a word's offset)
            off = 0 if rel in ("the coming", "this coming", "this past") else rel_offset(rel)
            return [(m.start(), m.end(), Partial(year_offset=off, season=code))]
        if y:
            return [(m.start(), m.end(), Partial(year=int(y), season=code))]
        # "the summer" names one season: the nearest of the anchor's year, moved back a year when said of the past
        # and well ahead of the anchor (issue 25: TempEval half A and train families; accepted on half B). A bare
        # season without the article is as often generic ("ozone is worst in summer") and stays XXXX.
        if re.search(r"\bthe\s+(?:(?:early|late|mid|middle|peak|whole|entire|coming|past)[\s-]+)?$", line[max(0, m.start() - 20):m.start()], re.I):
            return [(m.start(), m.end(), Partial(season=code, month_default_year=True, past_tense=self.tense.past(m, line)))]
        return [(m.start(), m.end(), Partial(literal=f"XXXX-{code}"))]

    def _h_the_year(self, m: Match, line: str) -> list[Part]:
        # "during the year", "for the year": the year the article is about (see DatesComponent: the year
        # mentioned most often so far, else the anchor's)
        return [(m.start(), m.end(), Partial(year_offset=0, topic_year=True))]

    def _h_weekend(self, m: Match, line: str) -> list[Part]:
        rel = (m.group("rel") or "the").lower()
        off = rel_offset(rel)
        return [(m.start(), m.end(), Partial(week_offset=off, weekend=True, past_tense=(rel != "next") and self.tense.weekday_past(m, line)))]

    def _h_set_season(self, m: Match, line: str) -> list[Part]:
        s = m.group("s") or m.group("s2")
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=f"XXXX-{lexicon()['season'][s.lower()]}"))]

    def _h_deictic_day(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(day_offset=offset("deictic", m.group("w"))))]

    def _h_weekday(self, m: Match, line: str) -> list[Part]:
        rel = (m.group("rel") or "").lower()
        dp = m.group("dp")
        p = Partial(weekday=int(lexicon()["weekday"][m.group("wd").lower()]),
                    week_offset=-1 if rel == "last" else None,
                    # "last Friday" is past whatever else the sentence says; a plain weekday follows the tense
                    weekday_future=(rel == "next") or (rel != "last" and not self.tense.weekday_past(m, line)),
                    daypart=lexicon()["daypart"][dp.lower()] if dp else None)
        return [(m.start(), m.end(), p)]

    def _h_weekday_date(self, m: Match, line: str) -> list[Part]:
        # "Saturday, April 25": the calendar date decides; the weekday only confirms it
        month = month_number(m.group("m") or m.group("m2"))
        y = m.group("y")
        p = Partial(year=int(y) if y else None, month=month, day=int(m.group("d") or m.group("d2")),
                    month_default_year=y is None, past_tense=self.tense.past(m, line))
        return [(m.start(), m.end(), p)]

    def _h_set_weekday(self, m: Match, line: str) -> list[Part]:
        wd = lexicon()["weekday"][(m.group("wd") or m.group("wdp") or m.group("wd2")).lower()]
        dp = m.group("dp") or m.group("dp2") or m.group("dp3")
        value = f"XXXX-WXX-{wd}" + (f"T{lexicon()['daypart'][dp.lower().rstrip('s')]}" if dp else "")
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=value))]

    def _h_set_month(self, m: Match, line: str) -> list[Part]:
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=f"XXXX-{month_number(m.group('m')):02d}"))]

    def _h_clock_date(self, m: Match, line: str) -> list[Part]:
        # "10 p.m. Wednesday", "5 p.m. EST Nov. 9", "noon Thursday": one TIME on that day
        clock = clock_value(m.group("h"), m.group("min"), m.group("ap"), m.group("word"))
        if m.group("wd"):
            wd = int(lexicon()["weekday"][m.group("wd").lower()])
            p = Partial(timex_type="TIME", weekday=wd, clock=clock, weekday_future=not self.tense.weekday_past(m, line))
        elif m.group("w"):
            p = Partial(timex_type="TIME", day_offset=offset("deictic", m.group("w")), clock=clock)
        else:
            y = m.group("y")
            p = Partial(timex_type="TIME", year=int(y) if y else None, month=month_number(m.group("m")), day=int(m.group("d")),
                        month_default_year=y is None, past_tense=self.tense.past(m, line), clock=clock)
        return [(m.start(), m.end(), p)]

    def _h_quarter_prefixed(self, m: Match, line: str) -> list[Part]:
        # "the 1988 second quarter", "next year's first quarter", "the year-ago third quarter"
        q = ordinal(m.group("ord"), of=4)
        if m.group("y"):
            return [(m.start(), m.end(), Partial(year=int(m.group("y")), quarter=q))]
        if m.group("rel"):
            return [(m.start(), m.end(), Partial(year_offset=rel_year(m.group("rel") + " year"), quarter=q))]
        return [(m.start(), m.end(), Partial(quarter=q, month_default_year=True, past_tense=True, year_shift=-1))]

    def _h_duration_fraction(self, m: Match, line: str) -> list[Part]:
        # "2 1/2 years", "a minute and a half", "one and a half years" (the last also in dur_half_unit)
        n = count(m.group("n")) if m.group("n") else 1
        if n is None:
            return []
        unit = lexicon()["unit"][(m.group("u") or m.group("u2")).lower()]
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=duration_value(n + 0.5, unit)))]

    def _h_daypart(self, m: Match, line: str) -> list[Part]:
        rel = m.group("rel").lower()
        dp = lexicon()["daypart"][m.group("dp").lower()]
        # "yesterday evening" (deictic), "last night" / "this morning" (relative)
        off = offset("deictic", rel) if rel in lexicon()["deictic"] else rel_offset(rel)
        return [(m.start(), m.end(), Partial(timex_type="TIME", day_offset=off, daypart=dp))]

    def _h_clock(self, m: Match, line: str) -> list[Part]:
        clock = clock_value(m.group("h"), m.group("min"), m.group("ap"), None)
        return [(m.start(), m.end(), Partial(timex_type="TIME", day_offset=0, clock=clock, literal=f"XXXX-XX-XXT{clock}"))]

    def _h_holiday(self, m: Match, line: str) -> list[Part]:
        mmdd = lexicon()["holiday"].get(re.sub(r"\s+", " ", m.group("h").lower()))
        if not mmdd:
            return []
        month, day = (int(x) for x in mmdd.split("-"))
        y = m.group("y") or m.groupdict().get("y2")
        rel = m.group("rel") or m.groupdict().get("rel2")
        off = rel_year(rel + " year") if rel else None
        p = Partial(year=int(y) if y else None, year_offset=off if not y else None, month=month, day=day)
        return [(m.start(), m.end(), p)]

    def _h_duration(self, m: Match, line: str) -> list[Part]:
        if (m.groupdict().get("n") or "").lower() in ("a", "an") and re.search(r"\d[\d,.]*\s*(?:[a-zA-Z%$€£]+\s+){0,3}$", line[max(0, m.start() - 40):m.start()]):
            return []                               # "$14.95 a month", "5.33 million tons a day": a rate, not a date
        unit_word = re.sub(r"\s+", " ", m.group("u").lower())
        unit = lexicon()["unit"].get(unit_word) or lexicon()["unit"].get(unit_word + "s")
        if unit is None:
            return []
        raw_n = m.group("n") if "n" in m.groupdict() else None
        n = count(raw_n) if raw_n is not None else 1
        if raw_n is not None and n is None and raw_n.lower() not in ("few", "several", "many", "a few", "couple of", "a couple of"):
            return []
        if unit in ("D", "H") and is_tally(line, m, n):
            return []
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=duration_value(n, unit)))]

    def _h_duration_vague(self, m: Match, line: str) -> list[Part]:
        unit = lexicon()["unit"][m.group("u").lower()]
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=duration_value(None, unit)))]

    def _h_streak(self, m: Match, line: str) -> list[Part]:
        n = ordinal(m.group("ord"))            # "the last straight year" counts nothing: None
        if not n:
            return []
        u = (m.group("u1") or m.group("u2") or m.group("u3")).lower()
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=duration_value(n, lexicon()["unit"][u])))]

    def _h_half_unit(self, m: Match, line: str) -> list[Part]:
        if m.group("u"):
            value = duration_value(0.5, lexicon()["unit"][m.group("u").lower()])   # P6M, PT12H, P5Y ...
        else:
            n = count(m.group("n2"))
            if n is None:
                return []
            value = duration_value(n + 0.5, lexicon()["unit"][m.group("u2").lower()])
        return [(m.start(), m.end(), Partial(timex_type="DURATION", literal=value))]

    def _h_set(self, m: Match, line: str) -> list[Part]:
        word = m.group("s").lower()
        if word.endswith("ly") and re.match(r"\s+[a-z]+(?<!ly)\b", line[m.end():]) and not re.match(r"\s+(?:by|in|on|at|to|from|for|and|or|since|until|as|with|during)\b", line[m.end():]):
            return []                               # "quarterly dividend", "monthly water quality": an adjective
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=lexicon()["set"][re.sub(r"\s+", " ", m.group("s").lower())]))]

    def _h_set_every_n(self, m: Match, line: str) -> list[Part]:
        """'every two weeks', 'every other year': a recurrence with a period of n units (SET P2W, P2Y)."""
        unit = _unit_code(m.group("u"))
        raw_n = m.group("n").lower()
        n = 2 if raw_n == "other" else count(raw_n)
        if unit is None or not n:
            return []
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=duration_value(n, unit)))]

    def _h_set_times_per(self, m: Match, line: str) -> list[Part]:
        """'twice a day', 'three times a week': so many times in each unit, a SET of period one unit (P1D)."""
        unit = _unit_code(m.group("u"))
        if unit is None:
            return []
        return [(m.start(), m.end(), Partial(timex_type="SET", literal=duration_value(1, unit)))]

    def _h_vague(self, m: Match, line: str) -> list[Part]:
        v = m.group("v")
        key = re.sub(r"\s+", " ", v.lower())
        lex = lexicon()
        value = lex["vague_past"].get(key) or lex["vague_present"].get(key) or lex["vague_future"].get(key)
        if value is None:
            return []
        if key == "now" and re.match(r"\s+(that|on)\b", line[m.end():]):
            return []
        return [(m.start("v"), m.end("v"), Partial(literal=value))]



def _unit_code(word: str) -> str | None:
    """The TIMEX3 unit code of a unit word as the lexicon lists it ('weeks' -> W, 'working days' -> D)."""
    return lexicon()["unit"].get(re.sub(r"\s+", " ", word.lower()))


def handlers_of(extractor: DateExtractor) -> dict[str, Handler]:
    """Handler name (as rules.jsonl names it) → bound method ``_h_<name>``."""
    return {name[3:]: getattr(extractor, name) for name in dir(extractor) if name.startswith("_h_")}


def handler_names() -> frozenset[str]:
    return frozenset(name[3:] for name in dir(DateExtractor) if name.startswith("_h_"))


def date_hits(doc: Doc, extractor: DateExtractor) -> Iterator[tuple[Hit, int, int]]:
    for line_start, _, line in allowed_lines(doc):
        for hit in extractor.extract_line(line):
            yield hit, line_start + hit.start, line_start + hit.end

