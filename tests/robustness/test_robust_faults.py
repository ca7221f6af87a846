"""Faults: a full disk (ENOSPC on write, on fsync, on rename), an I/O error and an unwritable
output directory give an OSError naming the problem, leave the earlier output byte-identical,
and a rerun once the fault is gone completes exactly once (records in = records out + errors).

Faults are injected by wrapping ``open``/``io.open`` (writes under the run's output directory
fail, optionally after some bytes went through, as a filling disk does), ``os.fsync`` and
``os.replace``. The kill -9 exactly-once test belongs to tests/test_batch.py.
"""
from __future__ import annotations

import builtins
import errno
import io
import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.io.inputs import Article
from robust_support import count

N_OLD, N_NEW = 300, 300


def articles(n: int, start: int = 0) -> list[Article]:
    return [Article(f"d{i:05d}", f"Item {i}: {i % 50} tons.", {"doc_id": f"d{i:05d}", "published": "2024-05-01"}, f"feed:{i + 1}")
            for i in range(start, start + n)]


def trivial(chunk):
    out = []
    for art in chunk:
        if art.doc_id.endswith("13"):
            out.append((art, ValueError(f"synthetic failure of {art.doc_id}")))
        else:
            out.append((art, {"doc_id": art.doc_id, "published": "2024-05-01", "lines": [], "mentions": []}))
    return out


def run(arts, out, **kw):
    from pipeline.execution.batch import run_batch

    return run_batch(iter(arts), out, trivial, chunk_size=50, **kw)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every committed file under the output directory (temporary files excluded)."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and ".tmp" not in p.name}


def check_complete(out: Path, arts: list[Article]) -> None:
    ids = [json.loads(x)["doc_id"] for x in out.read_text(encoding="utf-8").splitlines()]
    errors_path = out.with_name(out.stem + ".errors.jsonl")
    errors = [json.loads(x)["doc_id"] for x in errors_path.read_text(encoding="utf-8").splitlines()] if errors_path.exists() else []
    want = [a.doc_id for a in arts]
    assert ids == [d for d in want if not d.endswith("13")]               # input order, exactly once
    assert sorted(errors) == sorted(d for d in want if d.endswith("13"))  # every failure reported
    assert len(ids) + len(errors) == len(arts)
    assert not list(out.parent.rglob("*.tmp*")), "temporary files left after a clean run"
    count("faults.records_in", len(arts))
    count("faults.records_out", len(ids))
    count("faults.errors", len(errors))


class Disk:
    """Fails writes to files under ``root`` whose name matches ``match`` once ``after`` such
    files were written whole; a failing file first takes ``partial`` bytes, as a filling disk does."""

    def __init__(self, root: Path, match=lambda name: True, after: int = 0, partial: int = 10,
                 err: int = errno.ENOSPC):
        self.root, self.match, self.after, self.partial, self.err = str(root), match, after, partial, err
        self.opened = 0
        self.failed = 0
        self._open = builtins.open

    def open(self, file, mode="r", *args, **kwargs):
        fh = self._open(file, mode, *args, **kwargs)
        path = os.fspath(file) if isinstance(file, (str, bytes, os.PathLike)) else ""
        if isinstance(path, bytes):
            path = path.decode()
        if any(c in mode for c in "wax+") and path.startswith(self.root) and self.match(os.path.basename(path)):
            self.opened += 1
            if self.opened > self.after:
                return _FailingFile(fh, self)
        return fh


class _FailingFile:
    def __init__(self, fh, disk: Disk):
        self._fh, self._disk, self._left = fh, disk, disk.partial

    def write(self, data):
        if len(data) <= self._left:
            self._left -= len(data)
            return self._fh.write(data)
        self._fh.write(data[:self._left])
        self._left = 0
        self._disk.failed += 1
        raise OSError(self._disk.err, os.strerror(self._disk.err))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False

    def __getattr__(self, name):
        return getattr(self._fh, name)


def inject(monkeypatch, disk: Disk) -> None:
    monkeypatch.setattr(builtins, "open", disk.open)
    monkeypatch.setattr(io, "open", disk.open)


def earlier_run(tmp_path):
    out = tmp_path / "out" / "records.jsonl"
    old = articles(N_OLD)
    run(old, out)
    check_complete(out, old)
    return out, old, snapshot(out.parent)


@pytest.mark.parametrize("where,after", [("chunk", 0), ("chunk", 2), ("output", 0), ("errors", 0)])
@pytest.mark.parametrize("err", [errno.ENOSPC, errno.EIO, errno.EDQUOT])
def test_write_fault_keeps_earlier_output_and_the_rerun_completes(tmp_path, monkeypatch, where, after, err):
    out, old, before = earlier_run(tmp_path)
    match = {"chunk": lambda n: n.startswith("part-"), "output": lambda n: n.startswith("records.jsonl.tmp"),
             "errors": lambda n: n.startswith("records.errors")}[where]
    disk = Disk(out.parent, match, after=after, err=err)
    inject(monkeypatch, disk)
    new = old + articles(N_NEW, start=N_OLD)
    with pytest.raises(OSError) as exc:
        run(new, out)
    assert exc.value.errno == err and disk.failed == 1
    count("faults.faults")
    monkeypatch.undo()
    if where != "errors":                 # the output is replaced last but one; the errors file follows it
        assert snapshot(out.parent).get("records.jsonl") == before["records.jsonl"]
    # Committed chunks and template counts stay as they were; the SQLite index beside them is derived
    # data that every run updates (and rebuilds from the parts when it is lost), so it is not compared.
    committed = lambda snap: {k: v for k, v in snap.items()
                              if k.startswith("records.jsonl.parts") and "/index.sqlite" not in k}
    assert committed(snapshot(out.parent)).items() >= committed(before).items()
    run(new, out)                          # the disk has room again
    check_complete(out, new)


@pytest.mark.parametrize("call", ["fsync", "replace"])
def test_fsync_or_rename_fault_keeps_earlier_output(tmp_path, monkeypatch, call):
    out, old, before = earlier_run(tmp_path)
    real = getattr(os, call)
    state = {"n": 0}

    def failing(*args, **kwargs):
        state["n"] += 1
        if state["n"] == 2:
            raise OSError(errno.ENOSPC if call == "fsync" else errno.EXDEV, f"injected {call} failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(os, call, failing)
    new = old + articles(N_NEW, start=N_OLD)
    with pytest.raises(OSError, match=f"injected {call} failure"):
        run(new, out)
    count("faults.faults")
    monkeypatch.undo()
    assert snapshot(out.parent)["records.jsonl"] == before["records.jsonl"]
    run(new, out)
    check_complete(out, new)


def test_output_directory_that_is_a_file(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(OSError) as exc:
        run(articles(10), blocker / "records.jsonl")
    assert exc.value.errno in (errno.ENOTDIR, errno.EEXIST) and "out" in str(exc.value)
    assert blocker.read_text(encoding="utf-8") == "not a directory"
    count("faults.faults")


def test_unwritable_output_directory(tmp_path, monkeypatch):
    """EACCES on every write under the output directory (root ignores chmod, so it is injected);
    with a real read-only directory too when not running as root."""
    out, old, before = earlier_run(tmp_path)
    new = old + articles(N_NEW, start=N_OLD)
    inject(monkeypatch, Disk(out.parent, err=errno.EACCES, partial=0))
    with pytest.raises(PermissionError):
        run(new, out)
    monkeypatch.undo()
    count("faults.faults")
    assert snapshot(out.parent)["records.jsonl"] == before["records.jsonl"]
    if os.geteuid() != 0:
        mode = out.parent.stat().st_mode
        for d in [out.parent, *[p for p in out.parent.rglob("*") if p.is_dir()]]:
            d.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            with pytest.raises(PermissionError):
                run(new, out)
            count("faults.faults")
        finally:
            for d in [out.parent, *[p for p in out.parent.rglob("*") if p.is_dir()]]:
                d.chmod(mode)
        assert snapshot(out.parent)["records.jsonl"] == before["records.jsonl"]
    run(new, out)
    check_complete(out, new)


# ------------------------------------------------------------------------- the CLI

FEED = "".join(json.dumps({"doc_id": f"c{i}", "text": f"PM2.5 fell to {30 + i} μg/m3 in 2023."}) + "\n" for i in range(5))


def test_cli_disk_full_fails_and_keeps_the_earlier_output(tmp_path, monkeypatch):
    from pipeline.cli import app

    feed = tmp_path / "feed.jsonl"
    feed.write_text(FEED, encoding="utf-8")
    out = tmp_path / "out" / "records.jsonl"
    first = CliRunner().invoke(app, ["run", str(feed), "--out", str(out), "--workers", "1"])
    assert first.exit_code == 0, first.output
    before = out.read_bytes()
    feed.write_text(FEED + json.dumps({"doc_id": "c9", "text": "More than 1,200 tons were removed."}) + "\n", encoding="utf-8")
    inject(monkeypatch, Disk(out.parent, lambda n: n.startswith("part-")))
    result = CliRunner().invoke(app, ["run", str(feed), "--out", str(out), "--workers", "1"])
    monkeypatch.undo()
    count("faults.faults")
    assert result.exit_code != 0
    assert result.output.startswith("govnews: error:") and os.strerror(errno.ENOSPC) in result.output, result.output
    assert out.read_bytes() == before
    again = CliRunner().invoke(app, ["run", str(feed), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 6


def test_cli_reports_an_unwritable_output_as_a_one_line_error(tmp_path):
    from pipeline.cli import app

    feed = tmp_path / "feed.jsonl"
    feed.write_text(FEED, encoding="utf-8")
    (tmp_path / "blocked").write_text("a file", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(feed), "--out", str(tmp_path / "blocked" / "records.jsonl"), "--workers", "1"])
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.output.startswith("govnews: error:") and "blocked" in result.output
