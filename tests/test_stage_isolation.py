"""Issue 22: no article is lost to a stage error.

An exception injected into each stage in turn: the record is still written, with every other
stage's output, the failed stage's mentions empty, the flag ``stage-failed:<stage>:<Class>``,
the error (doc_id, stage, exception, line) in ``<out>.errors.jsonl``, the article counted as
degraded and exit code 1; ``--strict`` fails the article instead. The same through the pool,
the Dask task function and ``govnews load``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

ARTICLE = {"doc_id": "x", "text": "Set up Two-Factor Authentication\nThe Ministry said output rose 5% this year.\n",
           "published": "2024-01-01"}
STAGES = {"segment": "govnews_segment", "dates": "govnews_dates", "quantities": "govnews_quantities",
          "names": "govnews_names"}
# What each stage contributes to the one-line article, to show the others survive its failure.
STAGE_TYPES = {"dates": {"DATE"}, "quantities": {"QUANTITY"}, "names": {"AGENCY", "PROGRAMME"}}


def _feed(tmp_path: Path, *articles: dict) -> Path:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return feed


def _run(args: list[str]):
    return CliRunner().invoke(app, ["run", *args])


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _lines(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _summary(result) -> dict:
    return json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))


def break_stage(monkeypatch, nlp_component: str, exc: Exception) -> None:
    """Make one pipeline component raise ``exc`` on every article (forked pool workers inherit it)."""
    from pipeline.nlp import build

    component_type = type(build().get_pipe(nlp_component))

    def boom(self, doc):
        from pipeline.stages.segment.lines import allowed_lines

        if nlp_component != "govnews_segment":
            next(iter(allowed_lines(doc)), None)      # the stage has started on a line
        raise exc

    monkeypatch.setattr(component_type, "__call__", boom)


def test_the_issue_article_gives_its_record(tmp_path):
    out = tmp_path / "o.jsonl"
    result = _run([str(_feed(tmp_path, ARTICLE)), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    (rec,) = _records(out)
    # the first line ("Set up Two-Factor Authentication", a call to action) gets a non-body kind
    assert [ln["start"] for ln in rec["lines"]] == [0] and rec["lines"][0]["kind"] != "body"
    found = {(m["type"], m["text"]) for m in rec["mentions"]}
    assert ("DATE", "this year") in found and ("QUANTITY", "5%") in found
    assert not any(f.startswith("stage-failed") for f in rec["flags"])


@pytest.mark.parametrize("stage", list(STAGES))
def test_a_failing_stage_degrades_the_record_but_keeps_it(tmp_path, monkeypatch, stage):
    clean_out = tmp_path / "clean.jsonl"
    assert _run([str(_feed(tmp_path, ARTICLE)), "--out", str(clean_out), "--workers", "1"]).exit_code == 0
    (clean,) = _records(clean_out)

    break_stage(monkeypatch, STAGES[stage], KeyError("injected"))
    out = tmp_path / "o.jsonl"
    result = _run([str(_feed(tmp_path, ARTICLE)), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 1, result.output
    summary = _summary(result)
    assert (summary["processed"], summary["failed"], summary["degraded"]) == (1, 0, 1)
    (rec,) = _records(out)
    assert f"stage-failed:{stage}:KeyError" in rec["flags"]
    lost = STAGE_TYPES.get(stage, set())
    assert not [m for m in rec["mentions"] if m["type"] in lost]
    if stage == "segment":
        assert rec["lines"] == []                       # every line falls back to body
    else:
        assert rec["lines"] == clean["lines"]
        kept = [m for m in clean["mentions"] if m["type"] not in lost]
        assert [m for m in rec["mentions"] if m["type"] not in lost] == kept and kept
    (err,) = [json.loads(line) for line in (tmp_path / "o.errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (err["doc_id"], err["stage"], err["exception"], err["degraded"]) == ("x", stage, "KeyError", True)
    if stage != "segment":                              # the line it was working on: the first allowed one
        non_body = {ln["start"] for ln in clean["lines"] if ln["kind"] in ("metadata", "boilerplate")}
        first_allowed = next(line for start, line in _lines(ARTICLE["text"]) if start not in non_body)
        assert err["line"]["text"] == first_allowed


def test_strict_fails_the_article(tmp_path, monkeypatch):
    break_stage(monkeypatch, "govnews_quantities", ZeroDivisionError("injected"))
    out = tmp_path / "o.jsonl"
    result = _run([str(_feed(tmp_path, ARTICLE)), "--out", str(out), "--workers", "1", "--strict"])
    assert result.exit_code == 1
    summary = _summary(result)
    assert (summary["processed"], summary["failed"], summary["degraded"]) == (0, 1, 0)
    assert out.read_text(encoding="utf-8") == ""


def test_pool_workers_degrade_too(tmp_path, monkeypatch):
    break_stage(monkeypatch, "govnews_names", RuntimeError("injected"))
    second = dict(ARTICLE, doc_id="y")
    out = tmp_path / "o.jsonl"
    result = _run([str(_feed(tmp_path, ARTICLE, second)), "--out", str(out), "--workers", "2", "--chunk-size", "1"])
    assert result.exit_code == 1
    recs = _records(out)
    assert [r["doc_id"] for r in recs] == ["x", "y"]
    assert all("stage-failed:names:RuntimeError" in r["flags"] for r in recs)
    assert _summary(result)["degraded"] == 2


def test_dask_task_function_degrades(monkeypatch):
    """The Dask engine runs ``process_article`` per task: a failed stage comes back inside the record."""
    from pipeline.execution.distributed import process_article
    from pipeline.io.inputs import Article
    from pipeline.execution.isolation import STAGE_ERRORS

    break_stage(monkeypatch, "govnews_dates", ValueError("injected"))
    art = Article(doc_id="x", text=ARTICLE["text"], meta=dict(ARTICLE), source="feed.jsonl:1")
    rec = process_article(art, None)
    assert "stage-failed:dates:ValueError" in rec["flags"]
    assert rec[STAGE_ERRORS][0]["stage"] == "dates"
    assert isinstance(process_article(art, None, strict=True), ValueError)


def test_degraded_record_loads_with_its_flag(tmp_path, monkeypatch):
    from sqlalchemy import create_engine, text

    break_stage(monkeypatch, "govnews_quantities", KeyError("injected"))
    out = tmp_path / "o.jsonl"
    _run([str(_feed(tmp_path, ARTICLE)), "--out", str(out), "--workers", "1"])
    url = f"sqlite:///{tmp_path / 'g.sqlite'}"
    result = CliRunner().invoke(app, ["load", str(out), "--db", url])
    assert result.exit_code == 0, result.output
    with create_engine(url).connect() as conn:
        flags = json.loads(conn.execute(text("select flags from articles where doc_id='x'")).scalar_one())
        n_qty = conn.execute(text("select count(*) from mentions where type='QUANTITY'")).scalar_one()
    assert "stage-failed:quantities:KeyError" in flags and n_qty == 0
