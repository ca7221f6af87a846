"""Batch-level template detection (issue 24 item 3): lines a source repeats across its articles.

A site's chrome (menus, footers, share rows, standing paragraphs) recurs verbatim — after
normalising digits, punctuation and case (``line_model.normalise_line``) — across the articles of
one source. :class:`TemplateIndex` counts, per source, in how many articles seen so far each
normalised line occurred. Before an article is processed, the batch attaches
``counts_for(source, text)``: for each of its lines, 1 + the number of earlier articles of the
same source holding it; the line model reads that as its ``rep_batch`` feature (learned from
the training families in the same streaming way, ``bench/train_line_model.py``). So article
2,001 of a site benefits from articles 1–2,000; the first article of a source, or a single
article, falls back to the model alone. Each committed chunk's increment is kept beside the
batch log (:class:`BatchTemplates`), so an incremental or resumed run keeps the counts; Dask
and the worker pool get the counts with each article from the parent. The source is the
input's ``family`` or ``source`` when given, else one pool for the whole batch (a line
repeated across many articles of an unlabelled feed is chrome too).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipeline.stages.segment.line_model import normalise_line

META_KEY = "_batch_line_counts"     # article metadata key the batch fills, the segmenter reads
UNLABELLED = "_batch"
MAX_KEYS_PER_SOURCE = 20_000        # bounded memory per source
MAX_LINE_CHARS = 300                # chrome lines are short; a paragraph is never a template line


def source_of(meta: dict[str, Any]) -> str:
    return str(meta.get("family") or meta.get("source") or UNLABELLED)


def line_keys(text: str) -> set[str]:
    return {k for k in (normalise_line(ln) for ln in text.split("\n") if ln.strip() and len(ln) <= MAX_LINE_CHARS) if k}


class TemplateIndex:
    """Per-source counts of normalised lines over the articles seen so far."""

    def __init__(self) -> None:
        self.sources: dict[str, dict[str, int]] = {}

    def counts_for(self, source: str, text: str) -> dict[str, int]:
        return self.counts_of_keys(source, line_keys(text))

    def counts_of_keys(self, source: str, keys: set[str]) -> dict[str, int]:
        seen = self.sources.get(source, {})
        return {k: seen.get(k, 0) + 1 for k in keys}

    def add(self, source: str, text: str) -> None:
        self.add_keys(source, sorted(line_keys(text)))

    def add_keys(self, source: str, keys: list[str]) -> None:
        """Count one article's line keys; past MAX_KEYS_PER_SOURCE a source learns no new line
        (memory stays bounded; the lines it already counts keep counting, in input order)."""
        seen = self.sources.setdefault(source, {})
        for k in keys:
            if k in seen:
                seen[k] += 1
            elif len(seen) < MAX_KEYS_PER_SOURCE:
                seen[k] = 1


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
    the counts do not depend on workers or engine). Before a chunk is committed as
    ``part-<n>.jsonl``, the line keys of its articles are written, in order, to
    ``templates-<n>.jsonl`` beside it (written once, never changed, like the part). A run that
    starts again replays the increments of the committed parts in order and deletes those of
    parts that never got committed, so a resumed or incremental run gives the same counts —
    hence the same records — as one uninterrupted run."""

    def __init__(self, parts_dir: Path, committed_parts: list[int]):
        self.dir = parts_dir
        self.live = TemplateIndex()
        keep = {self._path(n) for n in committed_parts}
        for path in sorted(parts_dir.glob("templates-*.jsonl")) if parts_dir.exists() else ():
            if path not in keep:
                path.unlink()                       # the increment of a chunk that was never committed
        for n in sorted(committed_parts):
            path = self._path(n)
            if path.exists():
                for line in path.read_text(encoding="utf-8").splitlines():
                    source, keys = json.loads(line)
                    self.live.add_keys(source, keys)

    def _path(self, part: int) -> Path:
        return self.dir / f"templates-{part:06d}.jsonl"

    def attach(self, meta: dict[str, Any], text: str) -> None:
        source, keys = source_of(meta), line_keys(text)          # split and normalise the text once
        meta[META_KEY] = self.live.counts_of_keys(source, keys)
        self.live.add_keys(source, sorted(keys))

    def before_commit(self, articles: list[tuple[dict[str, Any], str]], part: int) -> None:
        """Write the increment of the chunk about to be committed as ``part``."""
        rows = [json.dumps([source_of(meta), sorted(line_keys(text))], ensure_ascii=False) + "\n" for meta, text in articles]
        if rows:
            tmp = self._path(part).with_name(self._path(part).name + f".tmp{os.getpid()}")
            tmp.write_text("".join(rows), encoding="utf-8")
            os.replace(tmp, self._path(part))
