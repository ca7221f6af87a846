"""Publication date from the article's text (issue 24 item 5; pipeline/stages/segment/published.py).

Cases in tests/cases/published/*.jsonl: one page each, the date it states (or null when none of
its dates is its own) and the line that date sits on. Run through the whole pipeline with no
date in the input metadata, as `govnews run` sees a scraped page.
"""
from __future__ import annotations

import re
from typing import Any

import pytest
from case_files import load_cases

from pipeline.stages.segment import published

RANKER_LINE = re.compile(r"^published-from-text:published_(?:ranker|date_line)\.v\d+@line(\d+)$")


def _record(nlp: Any, case: dict[str, Any]) -> dict[str, Any]:
    from pipeline.io.writer import to_record
    from pipeline.nlp import make_doc

    meta = {"doc_id": case["id"], "retrieved": case.get("retrieved")}
    if case.get("jurisdiction"):
        meta["jurisdiction"] = case["jurisdiction"]
    return to_record(nlp(make_doc(nlp, case["text"], meta)))


@pytest.mark.parametrize("case", load_cases("published"))
def test_published_case(nlp: Any, case: dict[str, Any]) -> None:
    rec = _record(nlp, case)
    want = case["expected"]
    flag = next((f for f in rec["flags"] if f.startswith("published")), None)
    assert rec["published"] == want["published"], f"published {rec['published']!r} ({flag}), expected {want['published']!r}"
    if want["published"] is None:
        assert flag == "published-missing"
        return
    if "published_basis" in want:
        assert rec["published_basis"] == want["published_basis"]
    if "line" in want:
        m = RANKER_LINE.match(flag or "")
        assert m and int(m.group(1)) == want["line"], f"date taken from {flag}, expected line {want['line']}"


def test_month_words_come_from_dateparser_and_skip_short_words() -> None:
    words = published.month_words()
    assert words["märz"].month == 3 and "de" in words["märz"].languages
    assert words["marzo"].month == 3 and words["listopada"].month == 11
    assert "ma" not in words and "de" not in words and "v" not in words     # too short to be told from ordinary words
    assert len(words) > 1000                                                  # every language dateparser knows
    assert all(len(w.languages) <= published.MAX_LANGUAGES for w in words.values())


def test_other_language_span_is_parsed_only_when_dateparser_agrees() -> None:
    assert published.other_candidates("Veröffentlicht am 4. März 2023", []) == [(18, 30, "2023-03-04")]
    assert published.other_candidates("Samstag, 4. März 2023", [])[0][:1] == (0,)    # the weekday belongs to the span
    assert published.other_candidates("31. Februar 2023", []) == []                  # no such day
    assert published.other_candidates("4 hectares 2023", []) == []                   # not a month word
    assert published.other_candidates("4. März 2023", [(0, 12)]) == []              # already a candidate


def test_lines_without_a_year_never_reach_the_month_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throughput: the dateparser lookup is only consulted for lines holding a four-digit year."""
    def boom() -> None:
        raise AssertionError("month lookup consulted")
    monkeypatch.setattr(published, "month_words", boom)
    assert published.other_candidates("Samstag, 4. März, 09:10 Uhr", []) == []


def test_a_page_of_thousands_of_foreign_dates_stays_fast() -> None:
    import time

    text = "\n".join(f"{d % 28 + 1}. März 2023 – Meldung Nummer {d}" for d in range(3000))
    lines, pos = [], 0
    for i, line in enumerate(text.split("\n")):
        lines.append({"start": pos, "end": pos + len(line), "kind": "boilerplate"})
        pos += len(line) + 1
    published.other_candidates("4. März 2023", [])                 # load the language data once
    started = time.perf_counter()
    found = published.candidates(text, lines, None)
    assert len(found) == 3000
    assert time.perf_counter() - started < 5.0
