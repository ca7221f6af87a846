"""pipeline.io.frames: records as pandas DataFrames with proper dtypes, and Parquet export."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.io.frames import COLUMNS, frames, frames_from_file

TABLES = ["articles", "lines", "mentions", "quantities", "dates", "entities"]


def corpus_list(corpus_records: dict[str, dict]) -> list[dict]:
    """The session's corpus records as a list of private copies (tests may mutate them)."""
    return [copy.deepcopy(r) for r in corpus_records.values()]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_frames_and_columns(corpus_records):
    records = corpus_list(corpus_records)
    corpus_frames = frames(records)
    assert list(corpus_frames) == TABLES
    for name, df in corpus_frames.items():
        assert list(df.columns) == list(COLUMNS[name]), name
        assert df.index.equals(pd.RangeIndex(len(df))), name


def test_dtypes(corpus_records):
    records = corpus_list(corpus_records)
    corpus_frames = frames(records)
    f = corpus_frames
    for name, df in f.items():
        for col, kind in COLUMNS[name].items():
            dtype = df[col].dtype
            if kind == "category":
                assert isinstance(dtype, pd.CategoricalDtype), (name, col, dtype)
            elif kind == "list":
                assert dtype == object and all(isinstance(v, list) for v in df[col]), (name, col)
            elif kind == "string":
                assert dtype == pd.StringDtype(), (name, col, dtype)
            else:
                assert dtype == pd.api.types.pandas_dtype(kind), (name, col, dtype)
    assert list(f["mentions"]["type"].cat.categories) == ["QUANTITY", "DATE", "AGENCY", "PROGRAMME"]
    assert f["quantities"]["value"].dtype == "Float64" and f["mentions"]["start"].dtype == "Int64"
    assert "ug/m3" in f["quantities"]["unit"].cat.categories


def test_counts_and_values_match_the_records(corpus_records):
    records = corpus_list(corpus_records)
    corpus_frames = frames(records)
    f = corpus_frames
    mentions = [(r["doc_id"], i, m) for r in records for i, m in enumerate(r["mentions"])]
    assert len(f["articles"]) == len(records)
    assert len(f["lines"]) == sum(len(r["lines"]) for r in records)
    assert len(f["mentions"]) == len(mentions)
    assert len(f["quantities"]) == sum(m["type"] == "QUANTITY" for _, _, m in mentions)
    assert len(f["dates"]) == sum(m["type"] == "DATE" for _, _, m in mentions)
    assert f["articles"]["doc_id"].is_monotonic_increasing
    # every mention row is its record's mention, text and all
    by_id = f["mentions"].set_index("mention_id")
    for doc_id, i, m in mentions[::37]:
        row = by_id.loc[f"{doc_id}#{i}"]
        assert (row["type"], row["start"], row["end"], row["text"]) == (m["type"], m["start"], m["end"], m["text"])
    src = {f"{d}#{i}": m for d, i, m in mentions if m["type"] == "QUANTITY"}
    for row in f["quantities"].itertuples():
        m = src[row.mention_id]
        assert (pd.isna(row.value) and m["value"] is None) or row.value == pytest.approx(m["value"])
        assert (pd.isna(row.unit) and m["unit"] is None) or row.unit == m["unit"]
    # a date's anchor is the one its mention was resolved against (issue 19): the publication date, a local
    # anchor, or none; its granularity follows the value's form
    src_dates = {f"{d}#{i}": m for d, i, m in mentions if m["type"] == "DATE"}
    for row in f["dates"].itertuples():
        want = src_dates[row.mention_id]["anchor"]
        assert (pd.isna(row.anchor) and want is None) or row.anchor == want
        assert pd.isna(row.anchor_granularity) if want is None else \
            row.anchor_granularity == {4: "year", 7: "month", 10: "day"}[len(want)]
    # published_year comes from published
    arts = f["articles"].dropna(subset=["published"])
    assert (arts["published_year"].astype(str) == arts["published"].str[:4]).all()


def test_entities_are_summarised_from_mentions(corpus_records):
    records = corpus_list(corpus_records)
    corpus_frames = frames(records)
    ents = corpus_frames["entities"]
    keys = {(m["type"], m["canonical"]) for r in records for m in r["mentions"] if m["type"] in ("AGENCY", "PROGRAMME")}
    assert set(zip(ents["type"], ents["canonical"])) == keys
    texts = {}
    for r in records:
        for m in r["mentions"]:
            if m["type"] in ("AGENCY", "PROGRAMME"):
                texts.setdefault((m["type"], m["canonical"]), []).append(m["text"])
    for row in ents.itertuples():
        seen = texts[(row.type, row.canonical)]
        assert row.aliases == sorted(set(seen)) and row.label in seen and row.mentions == len(seen)


def test_frames_from_file_equals_frames(corpus_records, tmp_path):
    records = corpus_list(corpus_records)
    corpus_frames = frames(records)
    got = frames_from_file(write_jsonl(tmp_path / "records.jsonl", records))
    for name in TABLES:
        pd.testing.assert_frame_equal(got[name], corpus_frames[name], obj=name)


def test_repeated_doc_id_last_wins(corpus_records):
    records = corpus_list(corpus_records)
    newer = copy.deepcopy(records[0])
    newer["pipeline_version"] = "9.9.9"
    newer["mentions"] = newer["mentions"][:1]
    f = frames(records + [newer])
    assert len(f["articles"]) == len(records)
    art = f["articles"].set_index("doc_id").loc[newer["doc_id"]]
    assert art["pipeline_version"] == "9.9.9"
    assert (f["mentions"]["doc_id"] == newer["doc_id"]).sum() == 1


def test_empty_and_bad_records(corpus_records):
    records = corpus_list(corpus_records)
    empty = frames([])
    for name, df in empty.items():
        assert len(df) == 0 and list(df.columns) == list(COLUMNS[name])
    bad = copy.deepcopy(records[0])
    bad["mentions"][0]["type"] = "PERSON"
    with pytest.raises(ValueError, match=rf"{bad['doc_id']}.*mentions/0: type 'PERSON'"):
        frames([bad])


def test_export_parquet(corpus_records, tmp_path):
    records = corpus_list(corpus_records)
    corpus_frames = frames(records)
    from typer.testing import CliRunner

    from pipeline.cli import app

    src = write_jsonl(tmp_path / "records.jsonl", records)
    out = tmp_path / "parquet"
    result = CliRunner().invoke(app, ["export", str(src), "--parquet", str(out)])
    assert result.exit_code == 0, result.output
    for name in TABLES:
        back = pd.read_parquet(out / f"{name}.parquet")
        assert list(back.columns) == list(corpus_frames[name].columns)
        assert len(back) == len(corpus_frames[name])
    q = pd.read_parquet(out / "quantities.parquet")
    assert isinstance(q["unit"].dtype, pd.CategoricalDtype) and q["value"].dtype == "Float64"
    ents = pd.read_parquet(out / "entities.parquet")
    assert list(ents["aliases"].iloc[0]) == corpus_frames["entities"]["aliases"].iloc[0]
