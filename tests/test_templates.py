"""Issue 24 item 3: batch-level template detection (pipeline/stages/segment/templates.py)."""
from __future__ import annotations

from pipeline.stages.segment.templates import META_KEY, TemplateIndex, source_of, streaming_counts

PAGE = "Home | News | Contact\nRiver clean-up reaches {n} km\nThe agency said {n} km were cleared.\n© 2024 Example Council\n"


def test_counts_are_one_plus_earlier_articles_of_the_same_source():
    index = TemplateIndex()
    first = index.counts_for("a", PAGE.format(n=3))
    assert set(first.values()) == {1}                       # nothing seen yet
    index.add("a", PAGE.format(n=3))
    second = index.counts_for("a", PAGE.format(n=7))        # digits are normalised away
    assert second["home news contact"] == 2
    assert index.counts_for("b", PAGE.format(n=7))["home news contact"] == 1   # another source


def test_streaming_counts():
    pages = [("a", PAGE.format(n=i)) for i in range(3)]
    counts = streaming_counts(pages)
    assert [c["home news contact"] for c in counts] == [1, 2, 3]


def test_memory_is_bounded_per_source(monkeypatch):
    import pipeline.stages.segment.templates as templates

    monkeypatch.setattr(templates, "MAX_KEYS_PER_SOURCE", 3)
    index = TemplateIndex()
    index.add_keys("a", ["x", "y", "z", "w"])
    index.add_keys("a", ["x", "w"])
    assert index.sources["a"] == {"x": 2, "y": 1, "z": 1}    # full: no new line is learned, known ones count


def test_source_of_prefers_family_then_source():
    assert source_of({"family": "f", "source": "s"}) == "f"
    assert source_of({"source": "s"}) == "s"
    assert source_of({}) == "_batch"


def test_record_lists_the_lines_the_batch_saw_before(nlp):
    from pipeline.nlp import make_doc
    from pipeline.io.schema import errors
    from pipeline.io.writer import to_record

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


def test_incremental_run_keeps_the_template_counts(tmp_path):
    """A grown corpus processed incrementally gives the same records as one run over all of it:
    the new articles see the committed articles' lines through the persisted index."""
    import json
    import shutil

    from pipeline.execution.batch import run_batch
    from pipeline.io.inputs import read_inputs
    from pipeline.execution.runner import LocalProcessor

    repo = __import__("pathlib").Path(__file__).resolve().parents[1]
    rows = [json.loads(line) for line in (repo / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    family = [r for r in rows if r.get("family") == "us_fed_agency_release"][:4]
    assert len(family) == 4

    def corpus(dest, metas):
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "manifest.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metas), encoding="utf-8")
        for m in metas:
            shutil.copyfile(repo / "corpus" / m["file"], dest / m["file"])
        return dest

    with LocalProcessor(workers=1) as proc:
        once = tmp_path / "once" / "r.jsonl"
        run_batch(read_inputs([corpus(tmp_path / "all", family)]), once, proc, chunk_size=1)
        grown = tmp_path / "grown" / "r.jsonl"
        run_batch(read_inputs([corpus(tmp_path / "part", family[:2])]), grown, proc, chunk_size=1)
        run_batch(read_inputs([corpus(tmp_path / "part", family)]), grown, proc, chunk_size=1)
    assert grown.read_bytes() == once.read_bytes()
    last = json.loads(once.read_text(encoding="utf-8").splitlines()[-1])
    assert last["template_lines"] and max(t["seen_in"] for t in last["template_lines"]) == 3
