"""The Dask engine: the same stages on a ``dask.distributed`` cluster, partitioned by article.

``DaskProcessor`` has the call signature of :class:`pipeline.execution.runner.LocalProcessor`: a chunk
of articles in, ``[(article, record | exception), ...]`` out in input order, so
:func:`pipeline.execution.batch.run_batch` keeps its chunk log, exactly-once assembly and
byte-identical output whatever engine produced the records. Dask does the scheduling; each
article is one task (``Client.map``), and the records are gathered back in order.

The pipeline is built once per worker: a ``WorkerPlugin`` builds it when the worker starts
(or joins later) and keeps it in a module-level cache keyed by the config, which a task
also falls back to. Workers must have the same govnews installed (``pip install govnews``
or the wheel of this repository): the processor compares a fingerprint of the pipeline's
code and data on every worker with its own and refuses to run on a mismatch.

With no scheduler address, a ``LocalCluster`` of ``workers`` processes with one thread each
is started on 127.0.0.1 and closed by ``close()``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, wait

from pipeline.io.inputs import Article
from pipeline.paths import PACKAGE_DIR

log = logging.getLogger("govnews")

_PIPELINES: dict[str, Any] = {}
_LOCK = threading.Lock()


def fingerprint() -> str:
    """sha256 over the pipeline package's code, config and data files (not caches)."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix in (".py", ".cfg", ".json", ".jsonl", ".txt"):
            h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def _config_key(config_text: str | None) -> str:
    return "default" if config_text is None else hashlib.sha256(config_text.encode("utf-8")).hexdigest()


def get_pipeline(config_text: str | None) -> Any:
    """The worker's pipeline for this config, built on first use and cached for the process."""
    key = _config_key(config_text)
    with _LOCK:
        nlp = _PIPELINES.get(key)
        if nlp is None:
            from pipeline.nlp import build

            if config_text is None:
                nlp = build()
            else:  # the client's config file need not exist on the worker: its text travels
                fd, tmp = tempfile.mkstemp(suffix=".cfg", prefix="govnews-")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8") as fh:
                        fh.write(config_text)
                    nlp = build(Path(tmp))
                finally:
                    os.unlink(tmp)
            _PIPELINES[key] = nlp
        return nlp


class GovnewsPipeline(WorkerPlugin):
    """Builds the pipeline once when a worker starts (or joins the cluster later)."""

    def __init__(self, config_text: str | None):
        self.config_text = config_text
        self.name = f"govnews-pipeline-{_config_key(config_text)[:16]}"

    def setup(self, worker: Any) -> None:  # distributed.Worker
        get_pipeline(self.config_text)


def process_article(art: Article, config_text: str | None, strict: bool = False) -> dict[str, Any] | Exception:
    """One task: the article's record (a failed stage listed in it, issue 22), or the (picklable)
    exception it raised."""
    from pipeline.execution.runner import safe_record

    return safe_record(get_pipeline(config_text), art, strict)


def _worker_info() -> dict[str, Any]:
    from pipeline import __version__

    return {"version": __version__, "fingerprint": fingerprint()}


class _DaskHandle:
    def __init__(self, client: Client, chunk: list[Article], futures: list):
        self.client, self.chunk, self.futures = client, chunk, futures

    def result(self) -> list[tuple[Article, dict[str, Any] | Exception]]:
        from pipeline.execution.runner import portable_error

        wait(self.futures)
        done = [f for f in self.futures if f.status == "finished"]
        values = dict(zip((f.key for f in done), self.client.gather(done))) if done else {}
        out: list[tuple[Article, dict[str, Any] | Exception]] = []
        for art, fut in zip(self.chunk, self.futures):
            if fut.key in values:
                out.append((art, values[fut.key]))
            else:  # the task itself failed, e.g. KilledWorker after the worker died on it
                try:
                    exc = fut.exception()
                except Exception as err:  # noqa: BLE001
                    exc = err
                out.append((art, portable_error(exc if isinstance(exc, BaseException) else RuntimeError(str(exc)))))
        for fut in self.futures:
            fut.release()
        self.futures = []
        return out


class DaskProcessor:
    """Process chunks on a Dask cluster; same call signature as ``runner.LocalProcessor``."""

    def __init__(self, scheduler: str | None = None, config: Path | None = None, workers: int = 1,
                 wait_for_workers_s: float = 120.0, strict: bool = False):
        self.strict = strict
        self.config_text = Path(config).read_text(encoding="utf-8") if config else None
        self.cluster: LocalCluster | None = None
        if scheduler:
            self.client: Any = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                        host="127.0.0.1", dashboard_address=None)
            self.client = Client(self.cluster)
        try:
            self.client.wait_for_workers(1, timeout=wait_for_workers_s)
            self._check_workers()
            self.client.register_plugin(GovnewsPipeline(self.config_text))
        except BaseException:
            self.close()
            raise
        log.info("dask engine: %s, %d worker(s)", scheduler or "LocalCluster on 127.0.0.1",
                 len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def _check_workers(self) -> None:
        mine = _worker_info()
        theirs = self.client.run(_worker_info)
        bad = {w: info for w, info in theirs.items() if info != mine}
        if bad:
            raise RuntimeError("Dask workers run a different govnews pipeline than this client "
                               f"(client {mine['version']} {mine['fingerprint'][:12]}; "
                               + ", ".join(f"{w}: {i['version']} {i['fingerprint'][:12]}" for w, i in bad.items())
                               + "); install the same govnews on every worker")

    @property
    def inflight_articles(self) -> int:
        """Articles to keep submitted so that every worker thread has work queued (run_batch reads it)."""
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return 4 * max(1, sum(w.get("nthreads", 1) for w in info.values()))

    def submit(self, chunk: list[Article]) -> _DaskHandle:
        run = uuid.uuid4().hex[:12]
        keys = [f"govnews-{art.doc_id}-{run}" for art in chunk]
        futures = self.client.map(process_article, chunk, config_text=self.config_text, strict=self.strict,
                                  key=keys, pure=False)
        return _DaskHandle(self.client, chunk, futures)

    def __call__(self, chunk: list[Article]) -> list[tuple[Article, dict[str, Any] | Exception]]:
        return self.submit(chunk).result()

    def close(self) -> None:
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()
        cluster, self.cluster = self.cluster, None
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> "DaskProcessor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
