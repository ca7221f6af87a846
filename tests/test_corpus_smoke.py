"""Issue 22: the whole bundled corpus (every source family) runs with 0 failed and 0 degraded articles.

Runs ``govnews run`` on ``corpus/`` exactly as a user would (one worker, a fresh output) and
checks the summary and the output: one record per manifest line, in manifest order, no
``stage-failed`` flag, no errors file.
"""
from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli import app


def test_whole_corpus_runs_without_failed_or_degraded_articles(tmp_path, repo, manifest):
    out = tmp_path / "records.jsonl"
    result = CliRunner().invoke(app, ["run", str(repo / "corpus"), "--out", str(out), "--workers", "1"])
    summary = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert result.exit_code == 0, result.output
    assert (summary["failed"], summary["degraded"]) == (0, 0)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["doc_id"] for r in records] == [m["doc_id"] for m in manifest]
    assert not [r["doc_id"] for r in records if any(f.startswith("stage-failed") for f in r["flags"])]
    assert not (tmp_path / "records.errors.jsonl").exists()
