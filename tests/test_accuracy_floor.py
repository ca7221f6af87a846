"""Accuracy floors: the test split's scores may not fall below the recorded figures minus a
small margin (bench/results/floors.json, written from a reviewed run), so a regression fails CI."""
from __future__ import annotations

import json

import pytest

MARGIN = 0.02


@pytest.fixture(scope="module")
def test_scores(gold, corpus_records, repo):
    from pipeline.evaluate import score, select_split

    return score(select_split(gold, "test"), list(corpus_records.values()))


@pytest.mark.parametrize("metric", ["QUANTITY.overlap", "QUANTITY.value_unit_f1", "DATE.overlap", "DATE.value_f1",
                                    "AGENCY.overlap", "AGENCY.grouping", "PROGRAMME.overlap", "PROGRAMME.grouping"])
def test_accuracy_floor_test_split(test_scores, repo, metric):
    floors = json.loads((repo / "bench" / "results" / "floors.json").read_text())
    t, key = metric.split(".")
    got = test_scores["types"][t][key]["f1"]
    assert got >= floors[metric] - MARGIN, f"{metric}: {got:.3f} fell below the recorded {floors[metric]:.3f} - {MARGIN}"


def test_accuracy_floor_line_kinds(test_scores, repo):
    floors = json.loads((repo / "bench" / "results" / "floors.json").read_text())
    assert test_scores["lines"]["accuracy"] >= floors["LINES.accuracy"] - MARGIN
