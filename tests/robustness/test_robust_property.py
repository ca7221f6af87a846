"""Property tests (Hypothesis) over all stages: for any Unicode text the pipeline returns a record
that validates against the schema, whose every mention satisfies ``text == raw[start:end]``,
lies within one line that is not metadata or boilerplate, and carries attributes from the
guide's vocabularies (bound, change, timex_type); the JSON has no NaN or Infinity.

Default: 200 examples per property (a few seconds). ``-m fuzz``: 5,000 per property (override
with GOVNEWS_FUZZ_EXAMPLES), for the nightly run.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from robust_support import assert_ok, count, opt_in, record_of

# Pieces of the genre, glued by Hypothesis with arbitrary Unicode in between, so that the
# extractors' rules actually fire on strange neighbours (a plain st.text() rarely spells a date).
FRAGMENTS = [
    "PM2.5", "38 μg/m3", "３８μg/m3", "more than 1,200 tons", "fell 5.3% year-on-year", "from 51 to 34",
    "January 5, 2024", "last year", "the first half of this year", "2021-2025", "three years ago", "every winter",
    "800,000 days ago", "1" + ",000" * 120 + " years ago", "9" * 400, " billion yuan", "1e309", "--5", "10,00", "1.2.3",
    "Ministry of Ecology and Environment", "Chongqing Municipal Bureau", " and the ", "14th Five-Year Plan",
    '"Blue Sky" Protection Campaign', "Bureau and Bureau and ", "of the of the ", "Release Time2 months ago",
    "Editor: Wang Li", "Photo by Huang Jin", "Source: Xinhua", "Like(0)", "© 2024", "<p>", "</b>", "&nbsp;",
    "\n", "\n\n", "\r\n", "\r", "\t", "\u00a0", "\u200b", "\u00ad", "\u3000", "\ufeff", "\u2028", "重庆市生态环境局", "2023年",
    "ＡＢＣ Bureau", " ", ", ", ". ", "(", ")", '"', "“", "”", "'", "-", "–", "/", "%",
]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=40).map("".join),
)
published = st.one_of(st.none(), st.sampled_from(["2024", "2024-02", "2024-02-29", "0001-01-01", "9999-12-31", "2000-01-01"]))


def check(nlp, text: str, pub: str | None) -> None:
    rec = record_of(nlp, text, {"doc_id": "prop", "published": pub}, area="property")
    assert_ok(rec, text)
    count("property.property_examples")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=texts, pub=published)
def test_property_any_text_gives_a_valid_record(nlp, text, pub):
    check(nlp, text, pub)


@pytest.mark.fuzz
def test_fuzz_any_text_gives_a_valid_record(nlp, request):
    opt_in(request, "fuzz")
    n = int(os.environ.get("GOVNEWS_FUZZ_EXAMPLES", "5000"))

    @settings(max_examples=n, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=st.one_of(texts, st.text(max_size=3000)), pub=published)
    def run(text, pub):
        check(nlp, text, pub)

    run()


def crlf_view(record: dict) -> list[tuple]:
    # sorted by repr: two mentions may differ only where one has None and the other a string
    return sorted(((m["type"], m["text"], m.get("value"), m.get("unit"), m.get("timex_type"), m.get("canonical"))
                   for m in record["mentions"]), key=repr)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.lists(st.sampled_from([f for f in FRAGMENTS if "\n" not in f and "\r" not in f]), max_size=8)
                      .map("".join), min_size=1, max_size=8))
def test_property_crlf_finds_the_same_mentions(nlp, lines):
    """Windows line endings: the same mentions as with "\\n", at offsets shifted by the "\\r"s before them."""
    lf, crlf = "\n".join(lines), "\r\n".join(lines)
    a = record_of(nlp, lf, {"published": "2024-05-01"}, area="property")
    b = record_of(nlp, crlf, {"published": "2024-05-01"}, area="property")
    assert_ok(b, crlf)
    assert crlf_view(a) == crlf_view(b)
    for m in b["mentions"]:
        assert m["start"] - crlf.count("\r", 0, m["start"]) in {x["start"] for x in a["mentions"]}
