"""Issue 24 item 3: batch-level template detection (pipeline/templates.py)."""
from __future__ import annotations

from pipeline.templates import META_KEY, TemplateIndex, source_of, streaming_counts

PAGE = "Home | News | Contact\nRiver clean-up reaches {n} km\nThe agency said {n} km were cleared.\n© 2024 Example Council\n"


def test_counts_are_one_plus_earlier_articles_of_the_same_source():
    index = TemplateIndex()
    first = index.counts_for("a", PAGE.format(n=3))
    assert set(first.values()) == {1}                       # nothing seen yet
    index.add("a", PAGE.format(n=3))
    second = index.counts_for("a", PAGE.format(n=7))        # digits are normalised away
    assert second["home news contact"] == 2
    assert index.counts_for("b", PAGE.format(n=7))["home news contact"] == 1   # another source


def test_streaming_counts_and_persistence(tmp_path):
    pages = [("a", PAGE.format(n=i)) for i in range(3)]
    counts = streaming_counts(pages)
    assert [c["home news contact"] for c in counts] == [1, 2, 3]
    index = TemplateIndex()
    for source, text in pages:
        index.add(source, text)
    index.save(tmp_path / "t.json")
    assert TemplateIndex.load(tmp_path / "t.json").counts_for("a", PAGE)["home news contact"] == 4


def test_source_of_prefers_family_then_source():
    assert source_of({"family": "f", "source": "s"}) == "f"
    assert source_of({"source": "s"}) == "s"
    assert source_of({}) == "_batch"


def test_record_lists_the_lines_the_batch_saw_before(nlp):
    from pipeline.nlp import make_doc
    from pipeline.schema import errors
    from pipeline.writer import to_record

    index = TemplateIndex()
    for i in range(3):
        index.add("a", PAGE.format(n=i))
    text = PAGE.format(n=9)
    rec = to_record(nlp(make_doc(nlp, text, {"doc_id": "t", META_KEY: index.counts_for("a", text)})))
    seen = {text[t["start"]:t["end"]]: t["seen_in"] for t in rec["template_lines"]}
    assert seen["Home | News | Contact"] == 3 and seen["© 2024 Example Council"] == 3
    assert not errors(rec)
    alone = to_record(nlp(make_doc(nlp, text, {"doc_id": "t"})))
    assert "template_lines" not in alone                    # a single article: the model alone
