"""The chunk log's on-disk index (issue 18: memory flat in feed size) is derived data: lost,
damaged or behind the parts, it is rebuilt from the committed parts and no record is lost or
doubled. Stub records only (no NLP), so these run in a second."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from pipeline.execution.batch import run_batch
from pipeline.execution.chunklog import INDEX_NAME, ChunkLog
from pipeline.io.inputs import Article


def articles(n: int, start: int = 0) -> list[Article]:
    return [Article(f"d{i:04d}", f"Text number {i}.", {"doc_id": f"d{i:04d}", "published": None}, f"feed:{i}")
            for i in range(start, start + n)]


def stub(chunk: list[Article]) -> list[tuple[Article, dict]]:
    return [(a, {"doc_id": a.doc_id, "published": None, "lines": [], "mentions": []}) for a in chunk]


def ids(out: Path) -> list[str]:
    return [json.loads(line)["doc_id"] for line in out.read_text(encoding="utf-8").splitlines()]


def first_run(tmp_path: Path, n: int = 50) -> tuple[Path, bytes]:
    out = tmp_path / "records.jsonl"
    summary = run_batch(articles(n), out, stub, chunk_size=8)
    assert summary.processed == n
    return out, out.read_bytes()


@pytest.mark.parametrize("damage", ["deleted", "garbage", "part-unindexed", "part-missing"])
def test_index_rebuilt_from_the_parts(tmp_path, damage):
    out, before = first_run(tmp_path)
    parts = out.with_name(out.name + ".parts")
    index = parts / INDEX_NAME
    if damage == "deleted":
        for f in parts.glob(INDEX_NAME + "*"):
            f.unlink()
    elif damage == "garbage":
        for f in parts.glob(INDEX_NAME + "*"):
            f.unlink()
        index.write_bytes(b"not a database" * 100)
    elif damage == "part-unindexed":        # killed between a part's rename and its index transaction
        db = sqlite3.connect(index)
        db.execute("DELETE FROM docs WHERE part = 3")
        db.execute("DELETE FROM parts WHERE number = 3")
        db.commit()
        db.close()
    elif damage == "part-missing":          # the index names a part that is gone: rebuilt, the part's articles redone
        (parts / "part-000003.jsonl").unlink()
    summary = run_batch(articles(60), out, stub, chunk_size=8)
    expected_redo = 8 if damage == "part-missing" else 0
    assert summary.processed == 10 + expected_redo and summary.skipped == 50 - expected_redo
    assert ids(out) == [f"d{i:04d}" for i in range(60)]
    assert out.read_bytes().startswith(before)


def test_output_follows_the_input_order_of_the_current_run(tmp_path):
    out, _ = first_run(tmp_path, 20)
    reordered = list(reversed(articles(20))) + articles(5, start=20)
    run_batch(reordered, out, stub, chunk_size=8)
    assert ids(out) == [f"d{i:04d}" for i in reversed(range(20))] + [f"d{i:04d}" for i in range(20, 25)]


def test_order_spills_to_disk_and_stays_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.execution.chunklog.ORDER_FLUSH", 7)
    out = tmp_path / "records.jsonl"
    run_batch(articles(100), out, stub, chunk_size=16)
    assert ids(out) == [f"d{i:04d}" for i in range(100)]


def test_locate_and_contains(tmp_path):
    out, _ = first_run(tmp_path, 10)
    log = ChunkLog(out.with_name(out.name + ".parts"))
    try:
        assert "d0003" in log and "nope" not in log and len(log) == 10
        assert json.loads(log.read("d0003"))["doc_id"] == "d0003"
        with pytest.raises(KeyError):
            log.read("nope")
    finally:
        log.close()
