"""Whole-record checks: pipeline wiring, schema validity, offsets, snapshots of the seed articles."""
from __future__ import annotations

import pytest

from pipeline.io.schema import errors as schema_errors

SEEDS = ["000_fc299ac9b84918dc", "001_2e182aed1aa329b5", "002_4dfa45df016996a6", "003_e3d8b7e3e4553388", "004_54c89712fab19ef2"]


def test_records_pipeline_has_no_unmet_requirements(nlp):
    analysis = nlp.analyze_pipes(pretty=False)
    assert not any(analysis["problems"].values()), analysis["problems"]
    # the real order (issue 19): segmentation first (every stage reads its line kinds), dates
    # before quantities (a number inside a DATE span is not a quantity), names last
    assert nlp.pipe_names == ["govnews_segment", "govnews_dates", "govnews_quantities", "govnews_names"]


def test_records_are_schema_valid_with_exact_offsets(corpus_records, repo, manifest):
    files = {m["doc_id"]: m["file"] for m in manifest}
    for doc_id, rec in corpus_records.items():
        assert not schema_errors(rec), (doc_id, schema_errors(rec)[:3])
        raw = (repo / "corpus" / files[doc_id]).read_text(encoding="utf-8")
        for m in rec["mentions"]:
            assert raw[m["start"]:m["end"]] == m["text"]
            assert m["rule"] and m["rule"] != "unknown"


def test_records_no_mentions_in_metadata_or_boilerplate(corpus_records):
    for rec in corpus_records.values():
        bad = [(ln["start"], ln["end"]) for ln in rec["lines"] if ln["kind"] in ("metadata", "boilerplate")]
        for m in rec["mentions"]:
            assert not any(s <= m["start"] < e for s, e in bad), m


@pytest.mark.parametrize("doc_id", SEEDS)
def test_records_seed_snapshot(corpus_records, data_regression, doc_id):
    """Full-record snapshot of each seed (review diffs before --force-regen; a snapshot is not gold)."""
    data_regression.check(corpus_records[doc_id], basename=f"record_{doc_id}")


EXPECTED_SEED_LINES = {
    "000_fc299ac9b84918dc": {0: "caption", 1: "caption", 3: "caption"},
    "001_2e182aed1aa329b5": {0: "boilerplate", 4: "metadata", 5: "metadata", 21: "metadata", 22: "boilerplate", 23: "boilerplate"},
    "002_4dfa45df016996a6": {6: "caption"},
    "003_e3d8b7e3e4553388": {0: "boilerplate", 44: "boilerplate", 46: "boilerplate", 48: "boilerplate", 49: "boilerplate", 51: "boilerplate"},
    "004_54c89712fab19ef2": {0: "boilerplate", 4: "metadata"},
}


@pytest.mark.parametrize("doc_id", SEEDS)
def test_records_seed_noise_line_kinds(corpus_records, repo, doc_id):
    """The scraping noise named in issue 3 gets the right kind (site names, Release Time, Source, Like, cookies, photo credits)."""
    raw = (repo / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
    starts, pos = [], 0
    for line in raw.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    kinds = {starts.index(ln["start"]): ln["kind"] for ln in corpus_records[doc_id]["lines"]}
    for idx, kind in EXPECTED_SEED_LINES[doc_id].items():
        assert kinds.get(idx, "body") == kind, (idx, kinds.get(idx))


@pytest.mark.parametrize("doc_id,published,basis", [
    ("001_2e182aed1aa329b5", "2024-07", "relative-release-time"),
    ("004_54c89712fab19ef2", "2024-06", "relative-release-time"),
    ("003_e3d8b7e3e4553388", "2020-01-13", "content"),
])
def test_records_published_found_from_text(nlp, repo, doc_id, published, basis):
    """Without metadata, the publication date is recovered from the text (+ retrieval date)."""
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    raw = (repo / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
    rec = to_record(nlp(make_doc(nlp, raw, {"doc_id": doc_id, "retrieved": "2024-09"})))
    assert (rec["published"], rec["published_basis"]) == (published, basis)


@pytest.mark.parametrize("text", ["Map provided by Chongqing City Ecological Environment BureauThe Third Plenary Session",
                                  "In April 2024,XiJinpingDuring his inspection"])
def test_records_glued_words_split_in_tokenizer_not_text(nlp, text):
    from pipeline.nlp import make_doc

    doc = nlp(make_doc(nlp, text, {"doc_id": "glued", "published": "2024-09"}))
    assert doc.text == text
    tokens = [t.text for t in doc]
    assert "Bureau" in tokens or "Xi" in tokens
