"""Glue between readers, the spaCy pipeline and the batch log: one processor per engine.

A processor maps a chunk of articles to ``[(article, record | exception), ...]`` in input
order (``processor(chunk)``); ``processor.submit(chunk)`` starts the chunk and returns a
handle whose ``result()`` gives that list, so :func:`pipeline.execution.batch.run_batch` can keep the
workers busy while it commits the previous chunk.

``LocalProcessor(workers=N)``: with one worker the pipeline runs in this process; with
more, a pool of N worker processes is started once per run. On Linux the workers are
forked after the pipeline was built, so the model is loaded once and shared copy-on-write
(elsewhere each worker builds it once in its initializer). Each article is one task and
a worker sends back the finished record, serialised (``transport.EncodedRecord``), not the Doc: this is what ``nlp.pipe(n_process=N)``
does, minus spaCy's Doc round trip (``to_bytes`` in the worker, ``from_bytes`` and
``to_record`` in the parent), which made the parent the bottleneck, and minus a new set of
processes for every chunk. A failing article becomes its own exception; a worker that
dies (segfault, OOM kill) is replaced and its articles are retried one by one, so only the
article that kills a worker is reported as failed.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

from spacy.language import Language

from pipeline.io.inputs import Article
from pipeline.execution.isolation import STAGE_ERRORS, run_stages
from pipeline.nlp import build, make_doc
from pipeline.execution.transport import EncodedRecord
from pipeline.io.writer import to_record

Result = tuple[Article, "dict[str, Any] | EncodedRecord | Exception"]


def record_for(nlp: Language, art: Article, strict: bool = False) -> dict[str, Any]:
    """The article's record; a stage that raises leaves its output empty and a flag (issue 22),
    listed under ``STAGE_ERRORS`` for the errors file, unless ``strict``."""
    doc = make_doc(nlp, art.text, art.meta)
    stage_errors = run_stages(nlp, doc, strict=strict)
    rec = to_record(doc)
    if stage_errors:
        rec[STAGE_ERRORS] = [e.as_dict() for e in stage_errors]
    return rec


def portable_error(exc: BaseException) -> Exception:
    """The exception itself if it survives pickling, else a RuntimeError carrying its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        if isinstance(exc, Exception):
            return exc
    except Exception:  # noqa: BLE001
        pass
    return RuntimeError(f"{type(exc).__name__}: {exc}")


def safe_record(nlp: Language, art: Article, strict: bool = False) -> dict[str, Any] | Exception:
    try:
        return record_for(nlp, art, strict)
    except Exception as exc:  # noqa: BLE001 - reported per article in the errors file
        return portable_error(exc)


class Done:
    """A handle for results that are already computed."""

    def __init__(self, results: list[Result]):
        self._results = results

    def result(self) -> list[Result]:
        return self._results


# --- worker-process side -------------------------------------------------------------------
_WORKER_NLP: Language | None = None  # set before forking, or built once by the initializer


def _watch_parent(parent_pid: int) -> None:
    """Exit when the parent dies (e.g. ``kill -9``), instead of lingering as an orphan."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(1)


def _init_worker(config: Path | None, overrides: dict[str, Any] | None, parent_pid: int) -> None:
    global _WORKER_NLP
    if _WORKER_NLP is None:
        _WORKER_NLP = build(config, overrides)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def _work(art: Article, strict: bool = False) -> EncodedRecord | Exception:
    assert _WORKER_NLP is not None
    result = safe_record(_WORKER_NLP, art, strict)
    return result if isinstance(result, Exception) else EncodedRecord.of(result, art.text)


class _PoolHandle:
    def __init__(self, owner: "LocalProcessor", chunk: list[Article], futures: list[Future]):
        self.owner, self.chunk, self.futures = owner, chunk, futures

    def result(self) -> list[Result]:
        out: list[Result] = []
        retry: list[int] = []
        for i, (art, fut) in enumerate(zip(self.chunk, self.futures)):
            try:
                out.append((art, fut.result()))
            except BrokenProcessPool:
                out.append((art, RuntimeError("worker process died")))
                retry.append(i)
            except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
                out.append((art, portable_error(exc)))
        for i in retry:  # one at a time: only the article that kills a worker is lost
            out[i] = (self.chunk[i], self.owner._run_alone(self.chunk[i]))
        return out


class LocalProcessor:
    """Processes chunks on this machine with ``workers`` processes (see the module doc)."""

    def __init__(self, workers: int = 1, config: Path | None = None, overrides: dict[str, Any] | None = None,
                 strict: bool = False):
        global _WORKER_NLP
        self.workers = max(1, workers)          # the CLI caps it first (cap_workers)
        self.strict = strict
        self.config, self.overrides = config, overrides
        self.nlp = build(config, overrides)
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            self._fork = "fork" in mp.get_all_start_methods()
            if self._fork:
                _WORKER_NLP = self.nlp  # inherited by the forked workers: loaded once
            self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = mp.get_context("fork" if self._fork else "spawn")
        pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker,
                                   initargs=(self.config, self.overrides, os.getpid()))
        # start every worker now (fork before any other thread exists, and pay start-up once)
        for fut in [pool.submit(os.getpid) for _ in range(self.workers)]:
            fut.result()
        return pool

    def _run_alone(self, art: Article) -> EncodedRecord | Exception:
        self._restart_pool()
        assert self._pool is not None
        try:
            return self._pool.submit(_work, art, self.strict).result()
        except BrokenProcessPool:
            self._restart_pool()
            return RuntimeError(f"worker process died while processing {art.doc_id}")

    def _restart_pool(self) -> None:
        if self._pool is not None and getattr(self._pool, "_broken", False):
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()

    def submit(self, chunk: list[Article]) -> Done | _PoolHandle:
        if self._pool is None:
            return Done([(art, safe_record(self.nlp, art, self.strict)) for art in chunk])
        self._restart_pool()
        try:
            futures = [self._pool.submit(_work, art, self.strict) for art in chunk]
        except BrokenProcessPool:
            self._restart_pool()
            futures = [self._pool.submit(_work, art, self.strict) for art in chunk]
        return _PoolHandle(self, chunk, futures)

    def __call__(self, chunk: list[Article]) -> list[Result]:
        return self.submit(chunk).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> "LocalProcessor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


ProcessFn = Callable[[list[Article]], list[Result]]


def cap_workers(requested: int, articles: int | None, cores: int | None = None) -> tuple[int, str | None]:
    """Worker processes for a run: min(requested, cores, articles), at least 1 (issue 18).

    ``requested`` 0 means "all cores". Each worker holds a pipeline (~200-300 MB), so more
    workers than cores only costs memory, and more than articles starts idle processes.
    Returns (workers, notice), the notice saying what was capped and why (None when nothing was)."""
    cores = cores or os.cpu_count() or 1
    explicit = requested > 0                  # 0 = "all cores": no notice when fewer are used
    if not explicit:
        requested = cores
    workers, why = requested, ""
    if workers > cores:
        workers, why = cores, f"this machine has {cores} core(s)"
    if articles is not None and 0 < articles < workers:
        workers, why = articles, f"the input has {articles} article(s)"
    workers = max(1, workers)
    if workers == requested or not explicit:
        return workers, None
    return workers, f"--workers {requested} capped to {workers}: {why}"
