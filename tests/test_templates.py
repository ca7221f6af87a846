"""Issue 24 item 3: batch-level template detection (pipeline/stages/segment/templates.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.stages.segment.templates import META_KEY, TemplateIndex, source_of, streaming_counts

PAGE = "Home | News | Contact\nRiver clean-up reaches {n} km\nThe agency said {n} km were cleared.\n© 2024 Example Council\n"


def test_counts_are_one_plus_earlier_articles_of_the_same_source() -> None:
    index = TemplateIndex()
    first = index.counts_for("a", PAGE.format(n=3))
    assert set(first.values()) == {1}                       # nothing seen yet
    index.add("a", PAGE.format(n=3))
    second = index.counts_for("a", PAGE.format(n=7))        # digits are normalised away
    assert second["home news contact"] == 2
    assert index.counts_for("b", PAGE.format(n=7))["home news contact"] == 1   # another source


def test_streaming_counts() -> None:
    pages = [("a", PAGE.format(n=i)) for i in range(3)]
    counts = streaming_counts(pages)
    assert [c["home news contact"] for c in counts] == [1, 2, 3]


def test_memory_is_bounded_per_source(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.stages.segment.templates as templates

    monkeypatch.setattr(templates, "MAX_KEYS_PER_SOURCE", 3)
    index = TemplateIndex()
    index.add_keys("a", ["x", "y", "z", "w"])
    index.add_keys("a", ["x", "w"])
    assert index.sources["a"] == {"x": 2, "y": 1, "z": 1}    # full: no new line is learned, known ones count


def test_source_of_prefers_family_then_source() -> None:
    assert source_of({"family": "f", "source": "s"}) == "f"
    assert source_of({"source": "s"}) == "s"
    assert source_of({}) == "_batch"


def test_record_lists_the_lines_the_batch_saw_before(nlp: Any) -> None:
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


def test_incremental_run_keeps_the_template_counts(tmp_path: Path) -> None:
    """A grown corpus processed incrementally gives the same records as one run over all of it:
    the new articles see the committed articles' lines through the persisted index."""
    import json
    import shutil

    from pipeline.execution.batch import run_batch
    from pipeline.io.inputs import read_inputs
    from pipeline.execution.runner import LocalProcessor

    repo = Path(__file__).resolve().parents[1]
    rows = [json.loads(line) for line in (repo / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    family = [r for r in rows if r.get("family") == "us_fed_agency_release"][:4]
    assert len(family) == 4

    def corpus(dest: Path, metas: list[dict[str, Any]]) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        (dest / "manifest.jsonl").write_text("".join(json.dumps(m) + "\n" for m in metas), encoding="utf-8")
        for m in metas:
            shutil.copyfile(repo / "corpus" / m["file"], dest / m["file"])
        return dest

    with LocalProcessor(workers=1) as local:
        proc: Any = local               # run_batch's annotation does not list EncodedRecord results yet
        once = tmp_path / "once" / "r.jsonl"
        run_batch(read_inputs([corpus(tmp_path / "all", family)]), once, proc, chunk_size=1)
        grown = tmp_path / "grown" / "r.jsonl"
        run_batch(read_inputs([corpus(tmp_path / "part", family[:2])]), grown, proc, chunk_size=1)
        run_batch(read_inputs([corpus(tmp_path / "part", family)]), grown, proc, chunk_size=1)
    assert grown.read_bytes() == once.read_bytes()
    last = json.loads(once.read_text(encoding="utf-8").splitlines()[-1])
    assert last["template_lines"] and max(t["seen_in"] for t in last["template_lines"]) == 3


SITE_A = ("Home | News | Contact\nPrint this page\nSubscribe to our newsletter\nFollow us on social media\n{title}\n"
          "The agency said {n} km of river banks were cleared this year in the district.\n"
          "Privacy policy\nTerms of use\n© 2024 Example Council\n")
SITE_B = ("Skip to main content\nPrint this page\nMenu\nLatest stories\nWeather and traffic\n{title}\n"
          "Officials said {n} tonnes of waste were collected from the beaches last month.\n"
          "About this site\nAdvertise with us\nAll rights reserved by the Coast Gazette\n")


def _unlabelled_batch(tmp_path: Path, pages: list[tuple[str, str]]) -> tuple[Any, list[dict[str, Any]]]:
    """(meta, text) pairs attached in order by one BatchTemplates, as `govnews run` does for a
    folder without a manifest source or family."""
    from pipeline.stages.segment.templates import BatchTemplates

    batch = BatchTemplates(tmp_path, [])
    metas = []
    for doc_id, text in pages:
        meta = {"doc_id": doc_id}
        batch.attach(meta, text)
        metas.append(meta)
    return batch, metas


def test_interleaved_sites_without_source_get_separate_counts(tmp_path: Path) -> None:
    from pipeline.stages.segment.templates import SOURCE_KEY

    pages = []
    for i in range(3):
        pages.append((f"a{i}", SITE_A.format(title=f"River clean-up part {i}", n=i)))
        pages.append((f"b{i}", SITE_B.format(title=f"Beach day number {i}", n=i)))
    _, metas = _unlabelled_batch(tmp_path, pages)
    pools = [m[SOURCE_KEY] for m in metas]
    assert pools[0::2] == ["_inferred:a0"] * 3 and pools[1::2] == ["_inferred:b0"] * 3
    counts = [m[META_KEY] for m in metas]
    assert [c["subscribe to our newsletter"] for c in counts[0::2]] == [1, 2, 3]   # site A's lines counted in A only
    assert [c["latest stories"] for c in counts[1::2]] == [1, 2, 3]
    assert "latest stories" not in counts[0] and "menu" not in counts[4]
    assert [c["print this page"] for c in counts] == [1, 1, 2, 2, 3, 3]   # a line both sites print: counted per site


def test_a_given_source_is_never_replaced_by_an_inferred_one(tmp_path: Path) -> None:
    from pipeline.stages.segment.templates import BatchTemplates, SOURCE_KEY

    batch = BatchTemplates(tmp_path, [])
    first: dict[str, Any] = {"doc_id": "x", "source": "s1"}
    second: dict[str, Any] = {"doc_id": "y"}
    batch.attach(first, SITE_A.format(title="One", n=1))
    batch.attach(second, SITE_A.format(title="Two", n=2))
    assert first[SOURCE_KEY] == "s1"
    assert second[SOURCE_KEY] == "_inferred:y"       # inferred pools only gather unlabelled articles
    assert second[META_KEY]["subscribe to our newsletter"] == 1


def test_a_few_generic_shared_lines_do_not_merge_sites(tmp_path: Path) -> None:
    from pipeline.stages.segment.templates import SOURCE_KEY

    one = "Home\nShare\nA first story about wetlands\nThe ministry said 4 ha were restored this year by volunteers.\n"
    two = "Home\nShare\nA story from another site entirely\nThe council said 9 roads were resurfaced this spring.\n"
    _, metas = _unlabelled_batch(tmp_path, [("p", one), ("q", two)])
    assert metas[1][SOURCE_KEY] == "_inferred:q"     # two shared lines are below MIN_SHARED


def test_inferred_pools_survive_a_resumed_run(tmp_path: Path) -> None:
    """The chunk increment records the inferred pool, so a run that resumes from the committed
    parts puts the next article of a site in the same pool with the same counts."""
    from pipeline.stages.segment.templates import BatchTemplates, SOURCE_KEY

    pages = [(f"a{i}", SITE_A.format(title=f"Story {i}", n=i)) for i in range(2)] + \
            [(f"b{i}", SITE_B.format(title=f"Item {i}", n=i)) for i in range(2)]
    batch, metas = _unlabelled_batch(tmp_path, pages)
    batch.before_commit([(m, t) for m, (_, t) in zip(metas, pages)], 0)
    resumed = BatchTemplates(tmp_path, [0])
    nxt: dict[str, Any] = {"doc_id": "b9"}
    resumed.attach(nxt, SITE_B.format(title="Item 9", n=9))
    assert nxt[SOURCE_KEY] == "_inferred:b0" and nxt[META_KEY]["latest stories"] == 3
    assert resumed.live.inferred == 2


def test_inferred_pools_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.stages.segment.templates as templates

    monkeypatch.setattr(templates, "MAX_INFERRED_SOURCES", 1)
    index = TemplateIndex()
    keys = ["alpha beta", "gamma", "delta"]
    pool = index.infer_source(keys, "first")
    index.add_keys(pool, keys)
    assert pool == "_inferred:first"
    assert index.infer_source(["something else", "entirely"], "second") == templates.UNLABELLED


def test_batch_run_over_a_folder_without_manifest_infers_sites(tmp_path: Path) -> None:
    """`govnews run folder/` (plain .txt files, no manifest): the records of two interleaved sites
    list the lines their own site repeated, not the other site's."""
    import json

    from pipeline.execution.batch import run_batch
    from pipeline.execution.runner import LocalProcessor
    from pipeline.io.inputs import read_inputs

    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}a.txt").write_text(SITE_A.format(title=f"River clean-up part {i}", n=i), encoding="utf-8")
        (src / f"{i}b.txt").write_text(SITE_B.format(title=f"Beach day number {i}", n=i), encoding="utf-8")
    out = tmp_path / "out" / "r.jsonl"
    with LocalProcessor(workers=1) as local:
        proc: Any = local               # run_batch's annotation does not list EncodedRecord results yet
        run_batch(read_inputs([src]), out, proc, chunk_size=2)
    records = {r["doc_id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    texts = {p.stem: p.read_text(encoding="utf-8") for p in src.glob("*.txt")}

    def seen(doc_id: str) -> dict[str, int]:
        rec = next(r for d, r in records.items() if d.endswith(doc_id))
        text = texts[doc_id]
        return {text[t["start"]:t["end"]]: t["seen_in"] for t in rec.get("template_lines", [])}

    assert seen("2a")["Subscribe to our newsletter"] == 2 and seen("2a")["Print this page"] == 2   # not 5: one pool per site
    assert seen("2b")["Latest stories"] == 2 and "Privacy policy" not in seen("2b")
    assert seen("0b") == {}                          # the first article of site B saw nothing of site A
