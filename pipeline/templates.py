"""Batch-level template detection (issue 24 item 3): lines a source repeats across its articles.

A site's chrome (menus, footers, share rows, standing paragraphs) recurs verbatim — after
normalising digits, punctuation and case (``line_model.normalise_line``) — across the articles of
one source. :class:`TemplateIndex` counts, per source, in how many articles seen so far each
normalised line occurred. Before an article is processed, the batch attaches
``counts_for(source, text)``: for each of its lines, 1 + the number of earlier articles of the
same source holding it; the line model reads that as its ``rep_batch`` feature (learned from
the training families in the same streaming way, ``bench/train_line_model.py``). So article
2,001 of a site benefits from articles 1–2,000; the first article of a source, or a single
article, falls back to the model alone. The index is persisted beside the batch log, so an
incremental or resumed run keeps it; Dask gets the counts with each article. The source is the
input's ``family`` or ``source`` when given, else one pool for the whole batch (a line
repeated across many articles of an unlabelled feed is chrome too).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .line_model import normalise_line

META_KEY = "_batch_line_counts"     # article metadata key the batch fills, the segmenter reads
UNLABELLED = "_batch"
MAX_KEYS_PER_SOURCE = 20_000        # bounded memory: past it, lines seen once are forgotten (they are not chrome yet)


def source_of(meta: dict[str, Any]) -> str:
    return str(meta.get("family") or meta.get("source") or UNLABELLED)


def line_keys(text: str) -> set[str]:
    return {k for k in (normalise_line(ln) for ln in text.split("\n") if ln.strip()) if k}


class TemplateIndex:
    """Per-source counts of normalised lines over the articles seen so far."""

    def __init__(self) -> None:
        self.sources: dict[str, dict[str, int]] = {}

    def counts_for(self, source: str, text: str) -> dict[str, int]:
        seen = self.sources.get(source, {})
        return {k: seen.get(k, 0) + 1 for k in line_keys(text)}

    def add(self, source: str, text: str) -> None:
        seen = self.sources.setdefault(source, {})
        for k in line_keys(text):
            seen[k] = seen.get(k, 0) + 1
        if len(seen) > MAX_KEYS_PER_SOURCE:
            self.sources[source] = {k: n for k, n in seen.items() if n > 1}

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self.sources, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> "TemplateIndex":
        index = cls()
        if path.exists():
            index.sources = json.loads(path.read_text(encoding="utf-8"))
        return index


def streaming_counts(articles: list[tuple[str, str]]) -> list[dict[str, int]]:
    """For (source, text) pairs in order: each article's counts as a streaming batch sees them."""
    index = TemplateIndex()
    out = []
    for source, text in articles:
        out.append(index.counts_for(source, text))
        index.add(source, text)
    return out


class BatchTemplates:
    """The batch's template state, crash-consistent with its chunk log.

    ``live`` gives each article read the counts of the articles read before it (input order, so
    the counts do not depend on workers or engine). ``committed`` counts the articles whose chunk
    is committed; it is written as ``templates-<n>.json`` (n = records in the log after the
    commit) *before* the chunk commit and the previous snapshot is removed after it, so a run
    killed anywhere restarts from the snapshot that matches its log: a resumed run gives the
    same counts, hence the same records, as one that was never interrupted."""

    def __init__(self, parts_dir: Path, committed_records: int):
        self.dir = parts_dir
        snapshot = parts_dir / f"templates-{committed_records}.json"
        self.committed = TemplateIndex.load(snapshot) if committed_records else TemplateIndex()
        self.live = TemplateIndex.load(snapshot) if committed_records else TemplateIndex()
        self.snapshot = snapshot if snapshot.exists() else None
        for stale in parts_dir.glob("templates-*.json") if parts_dir.exists() else ():
            if stale != self.snapshot:
                stale.unlink()

    def attach(self, meta: dict[str, Any], text: str) -> None:
        source = source_of(meta)
        meta[META_KEY] = self.live.counts_for(source, text)
        self.live.add(source, text)

    def before_commit(self, articles: list[tuple[dict[str, Any], str]], records_after: int) -> Path:
        for meta, text in articles:
            self.committed.add(source_of(meta), text)
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"templates-{records_after}.json"
        self.committed.save(path)
        return path

    def after_commit(self, path: Path) -> None:
        if self.snapshot is not None and self.snapshot != path and self.snapshot.exists():
            self.snapshot.unlink()
        self.snapshot = path
