"""The HTML evaluation report renders gold and predictions side by side with error tables."""
from __future__ import annotations

import copy

import pytest


@pytest.mark.parametrize("doc_id", ["003_e3d8b7e3e4553388"])
def test_report_renders_errors_and_highlights(gold, tmp_path, doc_id):
    from pipeline.evaluation.report import write_html

    g = next(r for r in gold if r["doc_id"] == doc_id)
    pred = copy.deepcopy(g)
    dropped = pred["mentions"].pop(0)                       # a miss
    pred["mentions"].append({**pred["mentions"][0], "start": 0, "end": 10, "text": "iChongqing", "rule": "fake"})  # a false alarm
    out = tmp_path / "report.html"
    write_html([g], [pred], out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert doc_id in page and "predicted" in page and "gold" in page
    assert "miss" in page and dropped["text"] in page
    assert "false alarm" in page and "iChongqing" in page
    assert page.count("<mark") >= 2 * len(g["mentions"]) - 2   # highlighted in both columns
