"""Table tests of the pure resolver: (expression kind, anchor) → TIMEX3 value."""
from __future__ import annotations

import pytest

from pipeline.anchor import Anchor, parse_anchor
from pipeline.stages.dates.timex import Anchor as YMD
from pipeline.stages.dates.timex import Partial, resolve


def ymd(published: str | None) -> YMD | None:
    """The (year, month, day) the resolver takes, from the article's anchor."""
    anchor = parse_anchor(published)
    return anchor.ymd() if anchor else None

CASES = [
    # id, partial, anchor, expected type, expected value
    ("this-year", Partial(year_offset=0), "2024-09-05", "DATE", "2024"),
    ("last-year", Partial(year_offset=-1), "2024-09", "DATE", "2023"),
    ("next-year-at-year-end", Partial(year_offset=1), "2024-12-31", "DATE", "2025"),
    ("july-this-year", Partial(year_offset=0, month=7), "2024-09", "DATE", "2024-07"),
    ("month-only-anchor-keeps-month", Partial(year_offset=0, month=1), "2023-12", "DATE", "2023-01"),
    ("last-month-in-january", Partial(month_offset=-1), "2024-01-15", "DATE", "2023-12"),
    ("next-month-in-december", Partial(month_offset=1), "2024-12", "DATE", "2025-01"),
    ("yesterday-on-march-1-leap", Partial(day_offset=-1), "2024-03-01", "DATE", "2024-02-29"),
    ("yesterday-on-march-1-common", Partial(day_offset=-1), "2023-03-01", "DATE", "2023-02-28"),
    ("tomorrow-new-year", Partial(day_offset=1), "2024-12-31", "DATE", "2025-01-01"),
    ("yesterday-month-anchor-underspecified", Partial(day_offset=-1), "2024-09", "DATE", "XXXX-XX-XX"),
    ("first-quarter-this-year", Partial(year_offset=0, quarter=1), "2024-05-02", "DATE", "2024-Q1"),
    ("fourth-quarter-last-year", Partial(year_offset=-1, quarter=4), "2024-01", "DATE", "2023-Q4"),
    ("first-half", Partial(year_offset=0, half=1), "2024-07", "DATE", "2024-H1"),
    ("second-half-last-year", Partial(year_offset=-1, half=2), "2025-01", "DATE", "2024-H2"),
    ("past-three-years", Partial(timex_type="DURATION", literal="P3Y"), "2024-09", "DURATION", "P3Y"),
    ("recent-years", Partial(timex_type="DURATION", literal="PXY"), "2024-09", "DURATION", "PXY"),
    ("annually", Partial(timex_type="SET", literal="P1Y"), None, "SET", "P1Y"),
    ("literal-year-no-anchor", Partial(year=2019), None, "DATE", "2019"),
    ("this-year-no-anchor", Partial(year_offset=0), None, "DATE", "XXXX"),
    ("decade", Partial(decade=198), "2024-09", "DATE", "198"),
    ("bare-december-said-in-january-is-last-year", Partial(month=12, day=17, month_default_year=True), "2024-01-10", "DATE", "2023-12-17"),
    ("bare-month-future-tense-next-year", Partial(month=2, month_default_year=True, past_tense=False), "2024-11", "DATE", "2025-02"),
    ("bare-month-same-year", Partial(month=8, day=15, month_default_year=True), "2024-09", "DATE", "2024-08-15"),
    ("weekday-past", Partial(weekday=1), "2024-09-12", "DATE", "2024-09-09"),
    ("weekday-future", Partial(weekday=1, weekday_future=True), "2024-09-12", "DATE", "2024-09-16"),
    ("weekday-tomorrow-not-six-days-back", Partial(weekday=5), "2024-09-12", "DATE", "2024-09-13"),
    ("weekday-last-six-days-back", Partial(weekday=5, week_offset=-1), "2024-09-12", "DATE", "2024-09-06"),
    ("weekend-past-on-a-weekday", Partial(week_offset=0, weekend=True), "1990-08-13", "DATE", "1990-W32-WE"),
    ("weekend-future", Partial(week_offset=0, weekend=True, past_tense=False), "1990-08-13", "DATE", "1990-W33-WE"),
    ("fiscal-year", Partial(year=2022, fiscal=True), "2024-04-13", "DATE", "FY2022"),
    ("last-month-name-before-anchor-month", Partial(month=5, month_direction=-1), "1998-02-27", "DATE", "1997-05"),
    ("last-month-name-earlier-this-year", Partial(month=7, month_direction=-1), "2024-09-05", "DATE", "2024-07"),
    ("next-month-name", Partial(month=3, month_direction=1), "2024-09-05", "DATE", "2025-03"),
    ("year-ago-quarter", Partial(quarter=3, month_default_year=True, year_shift=-1), "1989-10-30", "DATE", "1988-Q3"),
    ("clock-on-weekday", Partial(timex_type="TIME", weekday=3, clock="22:00"), "1998-02-13", "TIME", "1998-02-11T22:00"),
    ("last-week", Partial(week_offset=-1), "2024-01-03", "DATE", "2023-W52"),
    ("impossible-day-kept-as-month", Partial(year=2023, month=2, day=30), None, "DATE", "2023-02"),
    ("this-morning", Partial(timex_type="TIME", day_offset=0, daypart="MO"), "2024-09-12", "TIME", "2024-09-12TMO"),
    # issue 25 / guide v1.2: decades relative to the publication date, financial years of the jurisdiction
    ("this-decade", Partial(decade_offset=0), "2024-10-10", "DATE", "202"),
    ("decade-before", Partial(decade_offset=-1), "2020-01", "DATE", "201"),
    ("decade-no-anchor", Partial(decade_offset=0), None, "DATE", "XXX"),
    ("fy-april-start-after-april", Partial(fy_offset=0, fy_start=4), "2024-07-26", "DATE", "FY2025"),
    ("fy-april-start-before-april", Partial(fy_offset=0, fy_start=4), "2024-02-27", "DATE", "FY2024"),
    ("fy-july-start-last", Partial(fy_offset=-1, fy_start=7), "2023-07-11", "DATE", "FY2023"),
    ("fy-calendar", Partial(fy_offset=0), "2024-07-26", "DATE", "FY2024"),
    ("fy-japan-named-by-start", Partial(fy_offset=0, fy_start=4, fy_named_by_start=True), "2024-04-13", "DATE", "FY2024"),
    ("fy-japan-before-april", Partial(fy_offset=0, fy_start=4, fy_named_by_start=True), "2024-02-01", "DATE", "FY2023"),
    ("fy-year-anchor-only", Partial(fy_offset=0, fy_start=4), "2024", "DATE", "FY2024"),
    ("numeric-date-with-clock", Partial(year=2023, month=11, day=30, clock="14:00"), None, "TIME", "2023-11-30T14:00"),
    ("season-the-summer-past", Partial(season="SU", month_default_year=True), "1989-10-26", "DATE", "1989-SU"),
    ("season-the-winter-past-in-march", Partial(season="WI", month_default_year=True), "2024-03", "DATE", "2024-WI"),
]


@pytest.mark.parametrize("partial,anchor,ttype,value", [pytest.param(p, a, t, v, id=i) for i, p, a, t, v in CASES])
def test_timex_resolver_table(partial, anchor, ttype, value):
    got = resolve(partial, ymd(anchor))
    assert (got.timex_type, got.value) == (ttype, value)


@pytest.mark.parametrize("anchor", [None])
def test_timex_resolver_flags_missing_anchor(anchor):
    assert resolve(Partial(year_offset=-1), ymd(anchor)).underspecified
    assert resolve(Partial(decade_offset=0), ymd(anchor)).underspecified
    assert resolve(Partial(fy_offset=0, fy_start=4), ymd(anchor)).underspecified


def test_date_conventions_file():
    """Month-first jurisdictions come from resources/dates/jurisdictions.jsonl; day first elsewhere (guide v1.2)."""
    from pipeline.stages.dates.extractor import convention_for

    assert convention_for("US").month_first and convention_for("US-CA").month_first
    assert not convention_for("AU").month_first and not convention_for("GB-SCT").month_first
    assert not convention_for(None).month_first and not convention_for("ZZ").month_first
    assert convention_for("US").fy_start == 10 and convention_for("US-AZ").fy_start == 7
    assert convention_for("JP").fy_named_by_start


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-13", "24-09", "", "next week"])
def test_timex_parse_anchor_rejects_malformed(bad):
    assert parse_anchor(bad) is None


def test_anchor_value_granularity_and_basis():
    """Issue 19: the publication date is parsed once into an Anchor (value, granularity, basis)."""
    day, month, year = parse_anchor("2024-09-05", "dateline"), parse_anchor("2024-09"), parse_anchor("2024")
    assert (day.value, day.granularity, day.basis, day.ymd()) == ("2024-09-05", "day", "dateline", (2024, 9, 5))
    assert (month.value, month.granularity, month.basis) == ("2024-09", "month", "published")
    assert (year.value, year.granularity) == ("2024", "year")
    assert Anchor(1989, basis="topic-year").value == "1989"


def test_doc_anchor_follows_published():
    """doc._.anchor is derived from doc._.published wherever that was set (metadata or text)."""
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    import pipeline.extensions  # noqa: F401

    doc = Doc(Vocab(), words=["x"])
    assert doc._.anchor is None
    doc._.published, doc._.published_basis = "2020-05-01", "dateline"
    assert doc._.anchor == Anchor(2020, 5, 1, "dateline")


MENTION_ANCHOR_CASES = [
    # text, published, mention text, anchor recorded on the DATE mention
    ("Emissions fell last year.", "2024-05-03", "last year", "2024-05-03"),
    ("Emissions fell in July 2020.", "2024-05-03", "July 2020", None),                # needed no anchor
    ("Emissions fell last year.", None, "last year", None),                             # no anchor known
    ("In 2019 sales rose; a year earlier they fell.", "2024-05-03", "a year earlier", "2019"),   # the year last mentioned
    ("The plan ran for three years.", "2024-05-03", "three years", None),               # a duration
]


@pytest.mark.parametrize("text,published,mention,anchor", MENTION_ANCHOR_CASES)
def test_date_mention_records_its_anchor(nlp, text, published, mention, anchor):
    from pipeline.io.writer import to_record
    from pipeline.nlp import make_doc

    record = to_record(nlp(make_doc(nlp, text, {"doc_id": "t", "published": published})))
    found = {m["text"]: m for m in record["mentions"] if m["type"] == "DATE"}
    assert found[mention]["anchor"] == anchor


def test_unknown_relative_word_fails_at_load_with_file_and_line(tmp_path, monkeypatch):
    """Issue 19: a relative word a rule can capture but the lexicon gives no offset for fails when the stage is
    built, naming the file and line (it used to resolve silently as "this", i.e. "now")."""
    import json

    from pipeline.resources import ResourceError
    from pipeline.stages.dates import vocabulary
    from pipeline.stages.dates.finder import handler_names

    rules = tmp_path / "rules.jsonl"
    rules.write_text(json.dumps({"_meta": {"purpose": "t", "format": "t", "source": "t"}}) + "\n"
                     + json.dumps({"id": "date_rel_unit_test", "handler": "rel_unit",
                                   "pattern": r"(?P<rel>this|yonder)\s+(?P<u>year)", "example": "yonder year"}) + "\n",
                     encoding="utf-8")
    monkeypatch.setattr(vocabulary, "resource_path", lambda stage, name: rules)
    with pytest.raises(ResourceError, match=r"rules\.jsonl:2: rule date_rel_unit_test: rel word 'yonder'"):
        vocabulary.check_rules(handler_names())


def test_unknown_handler_fails_at_load():
    from pipeline.resources import ResourceError
    from pipeline.stages.dates import vocabulary
    from pipeline.stages.dates.finder import handler_names

    try:
        with pytest.raises(ResourceError, match=r"rules\.jsonl:\d+: unknown handler"):
            vocabulary.check_rules({"mdy"})
    finally:
        vocabulary.check_rules(handler_names())     # the loader records the declared set: restore the real one
