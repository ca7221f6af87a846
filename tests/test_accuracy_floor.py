"""Accuracy floors: scores may not fall below the recorded figures minus a small margin, so a
regression fails CI. Two sets (issue 23): the in-family test articles (legacy test split, the
families the rules were written from; bench/results/floors.json) and the unseen families (the
sealed test families; bench/results/floors_unseen.json, written from a reviewed
`python bench/unseen.py --json` run by `python bench/results_table.py --write-floors`)."""
from __future__ import annotations

import json

import pytest

MARGIN = 0.02
METRICS = ["QUANTITY.overlap", "QUANTITY.value_unit_f1", "DATE.overlap", "DATE.value_f1",
           "AGENCY.overlap", "AGENCY.grouping", "PROGRAMME.overlap", "PROGRAMME.grouping"]


def _scores(gold, corpus_records, doc_ids):
    from pipeline.evaluation.evaluate import score

    keep = set(doc_ids)
    return score([g for g in gold if g["doc_id"] in keep], list(corpus_records.values()))


@pytest.fixture(scope="module")
def splits(repo):
    return json.loads((repo / "annotations" / "splits.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def in_family_scores(gold, corpus_records, splits):
    return _scores(gold, corpus_records, splits["legacy_test"])


@pytest.fixture(scope="module")
def unseen_scores(gold, corpus_records, splits, manifest):
    test_families = set(splits["families"]["test"])
    return _scores(gold, corpus_records, [m["doc_id"] for m in manifest if m.get("family") in test_families])


def _check(scores, floors, metric):
    t, key = metric.split(".")
    got = scores["types"][t][key]["f1"]
    assert got >= floors[metric] - MARGIN, f"{metric}: {got:.3f} fell below the recorded {floors[metric]:.3f} - {MARGIN}"


@pytest.mark.parametrize("metric", METRICS)
def test_accuracy_floor_in_family(in_family_scores, repo, metric):
    _check(in_family_scores, json.loads((repo / "bench" / "results" / "floors.json").read_text()), metric)


@pytest.mark.parametrize("metric", METRICS)
def test_accuracy_floor_unseen_families(unseen_scores, repo, metric):
    _check(unseen_scores, json.loads((repo / "bench" / "results" / "floors_unseen.json").read_text()), metric)


def test_accuracy_floor_line_kinds(in_family_scores, unseen_scores, repo):
    floors = json.loads((repo / "bench" / "results" / "floors.json").read_text())
    unseen = json.loads((repo / "bench" / "results" / "floors_unseen.json").read_text())
    assert in_family_scores["lines"]["accuracy"] >= floors["LINES.accuracy"] - MARGIN
    assert unseen_scores["lines"]["accuracy"] >= unseen["LINES.accuracy"] - MARGIN
