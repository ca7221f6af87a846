"""Batch runs: streaming, resumable, exactly-once JSONL output.

Records are first written to a chunk log beside the output (``<out>.parts/``): each
chunk goes to a temporary file, is fsynced and renamed, so a run killed at any point
(even ``kill -9``) leaves only whole chunks. A rerun with the same arguments skips the
doc_ids already in the log (checking that their text hash is unchanged: the corpus is
append-only) and processes the rest; the final output is then assembled in input order,
again through a temporary file and a rename, so it is byte-identical to an
uninterrupted run. ``force=True`` clears the log first. Articles that fail go to
``<out>.errors.jsonl`` with the reason; the batch goes on. Input units the readers quarantined
(``pipeline.io.inputs.Quarantine``) are listed in the same file (``"quarantined": true``, path,
line, doc_id, reason), after the run.

One run at a time per output: :class:`OutputLock` holds an exclusive ``flock`` on
``<out>.lock`` for the whole run, so a second run on the same ``--out`` refuses at once with
:class:`RunLockedError` (it touches nothing); the lock goes with the process, even after
``kill -9``.
"""
from __future__ import annotations

import errno
import fcntl
import glob
import json
import logging
import os
import shutil
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline.execution.chunklog import ChunkLog, atomic_write, fsync_write
from pipeline.io.inputs import Article, InputError

log = logging.getLogger("govnews")

# A chunk of articles -> (article, record | EncodedRecord | error) each; may also have submit(chunk).
Process = Callable[[list[Article]], list[tuple[Article, Any]]]
OnRecords = Callable[[list[dict[str, Any]]], None]


class ChangedArticleError(InputError):
    pass


class RunLockedError(RuntimeError):
    """Another run holds the output's lock."""


class OutputLock:
    """An exclusive, non-blocking ``flock`` on ``<out>.lock`` (re-entrant within one process).

    The file stays in place (removing a lock file races with a run that just opened it); what
    counts is the lock on it, which the kernel drops when the holder exits, however it exits."""

    _held: dict[Path, list] = {}

    def __init__(self, out: Path):
        self.out = Path(out).resolve()
        self.path = self.out.with_name(self.out.name + ".lock")

    def __enter__(self) -> "OutputLock":
        held = OutputLock._held.get(self.path)
        if held is not None:
            held[1] += 1
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            try:
                other = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            except OSError:
                other = ""
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise RunLockedError(f"another govnews run{' (pid ' + other + ')' if other else ''} is writing {self.out} "
                                     f"(lock {self.path}); wait for it to finish or choose another --out") from exc
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        OutputLock._held[self.path] = [fd, 1]
        return self

    def __exit__(self, *exc: Any) -> None:
        held = OutputLock._held.get(self.path)
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del OutputLock._held[self.path]
            fcntl.flock(held[0], fcntl.LOCK_UN)
            os.close(held[0])


@dataclass
class RunSummary:
    articles: int = 0
    processed: int = 0
    skipped: int = 0
    failed: int = 0
    degraded: int = 0          # records written with a failed stage's output empty (issue 22)
    quarantined: int = 0       # input units set aside by the readers (issue 18)
    words: int = 0
    seconds: float = 0.0
    mentions: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "processed": self.processed, "skipped_already_done": self.skipped,
                "failed": self.failed, "degraded": self.degraded,
                **({"quarantined": self.quarantined} if self.quarantined else {}), "words": self.words, "seconds": round(self.seconds, 3),
                "words_per_second": round(self.words / self.seconds) if self.seconds else None,
                "mentions": dict(sorted(self.mentions.items()))}


def _hms(seconds: float) -> str:
    if seconds == float("inf"):
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """tqdm bar on a terminal; plain periodic log lines otherwise (CI, pipes)."""

    def __init__(self, total: int | None, every_s: float = 10.0):
        self.tty = sys.stderr.isatty()
        self.count, self.start, self.last = 0, time.perf_counter(), 0.0
        self.every_s = every_s
        self.total = total
        self.bar = None
        if self.tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="art", desc="govnews", dynamic_ncols=True)

    def update(self, n: int = 1) -> None:
        self.count += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.perf_counter()
        if now - self.last >= self.every_s or (self.total is not None and self.count >= self.total):
            self.last = now
            rate = self.count / max(now - self.start, 1e-9)
            if self.total:
                eta = (self.total - self.count) / rate if rate > 0 else float("inf")
                log.info("%d/%d articles (%.1f%%), %.1f articles/s, ETA %s", self.count, self.total,
                         100.0 * self.count / self.total, rate, _hms(eta))
            else:
                log.info("processed %d articles (%.1f articles/s)", self.count, rate)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_batch(articles: Iterable[Article], out: Path, process: Process,
              force: bool = False, chunk_size: int = 64, total: int | None = None,
              on_records: Callable[[list[dict[str, Any]]], None] | None = None, lookahead: int = 2,
              quarantine: Any = None) -> RunSummary:
    """Process ``articles`` exactly once into ``out``; ``process`` maps a chunk to (article, record|error).

    Articles are read lazily and committed chunk by chunk. If ``process`` has a ``submit(chunk)``
    method returning a handle with ``result()``, up to ``lookahead`` chunks are in flight, so the
    workers run the next chunk while this process commits the previous one; commits stay in
    input order. The doc_id index and the input order are kept on disk (``ChunkLog``), never the
    records: memory does not grow with the feed. ``quarantine`` (a
    ``pipeline.io.inputs.Quarantine`` the readers fill) is written to the errors file too. The run holds
    the output's :class:`OutputLock` (``RunLockedError`` if another run has it).
    """
    with OutputLock(out):
        return _run_batch(articles, out, process, force, chunk_size, total, on_records, lookahead, quarantine)


def _run_batch(articles: Iterable[Article], out: Path, process: Process, force: bool, chunk_size: int, total: int | None,
               on_records: OnRecords | None, lookahead: int, quarantine: Any) -> RunSummary:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    parts_dir = out.with_name(out.name + ".parts")
    errors_path = out.with_name(out.stem + ".errors.jsonl")
    for stale in [*out.parent.glob(glob.escape(out.name) + ".tmp*"), *out.parent.glob(glob.escape(errors_path.name) + ".tmp*")]:
        stale.unlink()          # an assembly or errors file killed before its rename
    if force and parts_dir.exists():
        shutil.rmtree(parts_dir)
    chunks = ChunkLog(parts_dir)
    try:
        return _run_chunks(articles, out, process, chunk_size, total, on_records, lookahead, quarantine, chunks, errors_path)
    finally:
        chunks.close()


def _run_chunks(articles: Iterable[Article], out: Path, process: Process, chunk_size: int, total: int | None,
                on_records: OnRecords | None, lookahead: int, quarantine: Any, chunks: ChunkLog,
                errors_path: Path) -> RunSummary:
    from pipeline.execution.isolation import STAGE_ERRORS
    from pipeline.stages.segment.templates import BatchTemplates
    from pipeline.execution.transport import EncodedRecord
    from pipeline.io.writer import dumps

    parts_dir = chunks.dir
    templates = BatchTemplates(parts_dir, chunks.part_numbers)   # repeated lines per source (issue 24 item 3)
    summary = RunSummary()
    errors: list[dict[str, Any]] = []
    progress = Progress(total)
    started = time.perf_counter()
    pending: list[Article] = []
    inflight: deque = deque()
    submit = getattr(process, "submit", None)
    want = getattr(process, "inflight_articles", None)  # e.g. a Dask cluster: enough tasks for every worker
    if want:
        lookahead = max(lookahead, -(-int(want) // max(chunk_size, 1)))

    def commit(chunk: list[Article], results: list[tuple[Article, "dict[str, Any] | EncodedRecord | Exception"]]) -> None:
        rows, records = [], []
        for art, result in results:
            if isinstance(result, Exception):
                summary.failed += 1
                errors.append({"doc_id": art.doc_id, "source": art.source, "error": f"{type(result).__name__}: {result}"})
                log.warning("%s failed: %s: %s", art.doc_id, type(result).__name__, result)
                continue
            stage_errors = result.stage_errors if isinstance(result, EncodedRecord) else result.pop(STAGE_ERRORS, ())
            if stage_errors:
                summary.degraded += 1
                for err in stage_errors:
                    errors.append({"doc_id": art.doc_id, "source": art.source, "degraded": True, **err,
                                   "error": f"stage {err['stage']} failed: {err['exception']}: {err['message']}"})
                    log.warning("%s degraded: stage %s failed: %s: %s", art.doc_id, err["stage"], err["exception"], err["message"])
            if isinstance(result, EncodedRecord):       # serialised by a worker process
                rows.append((art.doc_id, art.content_hash, result.line))
                if on_records is not None:
                    records.append(result.record())
                summary.words += result.words
                summary.mentions.update(result.mentions)
            else:
                rows.append((art.doc_id, art.content_hash, dumps(result)))
                records.append(result)
                summary.words += len(art.text.split())
                summary.mentions.update(m["type"] for m in result["mentions"])
            summary.processed += 1
        # The database load (idempotent, one transaction) happens before the chunk is committed to the
        # log: if it fails or the run dies in between, the rerun processes and loads the chunk again,
        # so the database gets every article exactly once, like the JSONL output.
        if on_records is not None and records:
            on_records(records)
        done = {doc_id for doc_id, _, _ in rows}
        templates.before_commit([(a.meta, a.text) for a in chunk if a.doc_id in done], chunks.next_part)
        chunks.commit(rows)
        progress.update(len(chunk))

    def drain(keep: int) -> None:
        while len(inflight) > keep:
            chunk, handle = inflight.popleft()
            commit(chunk, handle.result())

    def flush() -> None:
        if not pending:
            return
        chunk = list(pending)
        pending.clear()
        if submit is None:
            commit(chunk, process(chunk))
        else:
            inflight.append((chunk, submit(chunk)))
            drain(max(lookahead, 1) - 1)

    try:
        for art in articles:
            summary.articles += 1
            chunks.note_order(art.doc_id)
            if art.doc_id in chunks:
                if not chunks.same_text(art.doc_id, art.content_hash):
                    raise ChangedArticleError(f"{art.source}: the text of {art.doc_id} changed since it was processed "
                                              "(the corpus is append-only; use a new doc_id or --force)")
                summary.skipped += 1
                progress.update()
                continue
            templates.attach(art.meta, art.text)
            pending.append(art)
            if len(pending) >= chunk_size:
                flush()
        flush()
    except InputError:
        drain(0)                # keep the work already done; the rerun after the fix resumes from it
        progress.close()
        raise
    drain(0)
    progress.close()
    if quarantine is not None:
        errors.extend(quarantine.entries)
        summary.quarantined = len(quarantine.entries)
    # Assemble the final output in input order, atomically.
    atomic_write(out, chunks.copy_in_order)
    if errors:
        fsync_write(errors_path, b"".join((json.dumps(e, ensure_ascii=False) + "\n").encode() for e in errors))
    elif errors_path.exists():
        errors_path.unlink()
    summary.seconds = time.perf_counter() - started
    return summary


def count_articles(paths: Iterable[Path]) -> int | None:
    """A cheap article count for the progress bar, without reading the texts: the manifest's
    lines for a directory (its .txt/.html files without one), the lines of a JSONL feed, 1 for a
    file. None if a path is unreadable (the reader then reports the problem)."""
    from pipeline.io.inputs import TEXT_SUFFIXES

    total = 0
    for path in paths:
        try:
            if path.is_dir():
                target = path / "manifest.jsonl"
                if not target.exists():
                    total += sum(1 for f in path.iterdir() if f.suffix.lower() in TEXT_SUFFIXES and not f.name.startswith("."))
                    continue
            elif path.suffix in (".jsonl", ".ndjson"):
                target = path
            else:
                total += 1
                continue
            with open(target, "rb") as fh:
                total += sum(1 for line in fh if line.strip())
        except OSError:
            return None
    return total


def iter_chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
