"""Whole-record checks: pipeline wiring, schema validity, offsets, snapshots of the seed articles."""
from __future__ import annotations

from typing import Any

import pytest
from spacy.language import Language

from pipeline.io.schema import errors as schema_errors

SEEDS = ["000_fc299ac9b84918dc", "001_2e182aed1aa329b5", "002_4dfa45df016996a6", "003_e3d8b7e3e4553388", "004_54c89712fab19ef2"]


# The real order (issue 19): segmentation first (every stage reads its line kinds), dates before
# quantities (a number inside a DATE span is not a quantity), names last.
STAGE_ORDER = ["govnews_segment", "govnews_dates", "govnews_quantities", "govnews_names"]
ORDER_TEXTS = [
    "Ministry of Ecology and Environment\nHome | News | Notices\n"
    "In 2023 the Ministry of Ecology and Environment planted 300,000 trees, up 12% from last year.\n"
    "The Blue Sky Protection Campaign will run until March 2025 with a budget of $2.5 million.",
    "Release Time2 months ago\nOn Monday the city said PM2.5 fell to 31 micrograms per cubic metre in the first half of 2024.",
]


def test_records_pipeline_has_no_unmet_requirements(nlp: Language) -> None:
    analysis = nlp.analyze_pipes(pretty=False)
    assert analysis is not None
    assert not any(analysis["problems"].values()), analysis["problems"]


def test_records_pipeline_order_is_the_configured_order(nlp: Language) -> None:
    """config.cfg states the order, the built pipeline follows it, and it is the real one."""
    import spacy

    from pipeline.nlp import CONFIG_PATH

    configured = list(spacy.util.load_config(CONFIG_PATH)["nlp"]["pipeline"])
    assert configured == STAGE_ORDER, f"config.cfg orders the stages {configured}, expected {STAGE_ORDER}"
    assert nlp.pipe_names == STAGE_ORDER


def _trace_doc_reads_and_writes(monkeypatch: pytest.MonkeyPatch, log: list[tuple[str, str]]) -> None:
    """Record every Doc extension (doc._.x) and span group (doc.spans["g"]) read or written, in order."""
    from spacy.tokens import Doc
    from spacy.tokens._dict_proxies import SpanGroups
    from spacy.tokens.underscore import Underscore

    get_attr, set_attr = Underscore.__getattr__, Underscore.__setattr__
    get_group, set_group, has_group = SpanGroups.__getitem__, SpanGroups.__setitem__, SpanGroups.__contains__

    def traced_getattr(self: Underscore, name: str) -> Any:
        if isinstance(self._obj, Doc):
            log.append(("read", f"doc._.{name}"))
        return get_attr(self, name)

    def traced_setattr(self: Underscore, name: str, value: Any) -> None:
        if isinstance(self._obj, Doc):
            log.append(("write", f"doc._.{name}"))
        set_attr(self, name, value)

    def traced_getitem(self: SpanGroups, key: str) -> Any:
        log.append(("read", f"doc.spans[{key}]"))
        return get_group(self, key)

    def traced_contains(self: SpanGroups, key: object) -> bool:
        log.append(("read", f"doc.spans[{key}]"))
        return has_group(self, key)

    def traced_setitem(self: SpanGroups, key: str, value: Any) -> None:
        log.append(("write", f"doc.spans[{key}]"))
        set_group(self, key, value)

    monkeypatch.setattr(Underscore, "__getattr__", traced_getattr)
    monkeypatch.setattr(Underscore, "__setattr__", traced_setattr)
    monkeypatch.setattr(SpanGroups, "__getitem__", traced_getitem)
    monkeypatch.setattr(SpanGroups, "__contains__", traced_contains)
    monkeypatch.setattr(SpanGroups, "__setitem__", traced_setitem)


def test_records_each_stage_reads_only_what_earlier_stages_set(nlp: Language, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the stages one by one with every Doc attribute and span group traced: a stage may read
    what the input (make_doc) set, what an earlier stage set, or what it set itself; reading what
    only a later stage sets would mean the order is wrong. The stages are also shown to depend on
    each other in this order (each stage after the first reads something an earlier one set)."""
    from pipeline.nlp import make_doc

    log: list[tuple[str, str]] = []
    _trace_doc_reads_and_writes(monkeypatch, log)
    reads: dict[str, set[str]] = {name: set() for name in nlp.pipe_names}
    writes: dict[str, set[str]] = {"make_doc": set(), **{name: set() for name in nlp.pipe_names}}
    for text in ORDER_TEXTS:
        del log[:]
        doc = make_doc(nlp, text, {"doc_id": "order", "retrieved": "2024-09-01"})
        writes["make_doc"].update(attr for op, attr in log if op == "write")
        for name, component in nlp.pipeline:
            del log[:]
            doc = component(doc)
            own: set[str] = set()
            for op, attr in log:
                if op == "write":
                    own.add(attr)
                elif attr not in own:
                    reads[name].add(attr)
            writes[name] |= own
    stages = ["make_doc", *nlp.pipe_names]
    for i, name in enumerate(nlp.pipe_names, 1):
        earlier = set().union(*(writes[s] for s in stages[:i]))
        later = set().union(*(writes[s] for s in stages[i + 1:])) - earlier
        assert not reads[name] & later, f"{name} reads {sorted(reads[name] & later)}, which only a later stage sets"
    # the order is needed, not arbitrary: the later stages read the line kinds segmentation sets,
    # quantities read the DATE spans (a number inside a date is no quantity), and names read both
    # (a number or date inside a name is part of the name)
    assert "doc._.lines" in writes["govnews_segment"]
    for name in ("govnews_dates", "govnews_quantities", "govnews_names"):
        assert "doc._.lines" in reads[name], f"{name} does not read the line kinds"
    assert "doc.spans[date]" in writes["govnews_dates"] and "doc.spans[date]" in reads["govnews_quantities"]
    assert "doc.spans[quantity]" in writes["govnews_quantities"]
    assert {"doc.spans[date]", "doc.spans[quantity]"} <= reads["govnews_names"]


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
