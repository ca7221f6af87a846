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
and the worker pool get the counts with each article from the parent.

The source is the input's ``family`` or ``source`` when given. Otherwise it is inferred from
the lines the article shares with earlier articles of the batch (:meth:`TemplateIndex.infer_source`):
an inverted index from each short normalised line to the inferred pools that hold it votes,
and the pool sharing the most short lines wins when it shares at least ``MIN_SHARED`` of them
and ``MIN_SHARE`` of the article's short lines; else the article opens a pool of its own. So
two sites interleaved in one unlabelled feed keep separate counts. Memory stays bounded (at
most ``MAX_INFERRED_SOURCES`` pools, ``MAX_POOLS_PER_KEY`` pools per line); the inferred pool is
written with the chunk's increment, so a resumed run rebuilds the same pools.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.stages.segment.line_model import normalise_line

META_KEY = "_batch_line_counts"     # article metadata key the batch fills, the segmenter reads
SOURCE_KEY = "_batch_source"        # the pool the batch put the article in (given or inferred)
UNLABELLED = "_batch"               # articles without a source once MAX_INFERRED_SOURCES pools exist
INFERRED_PREFIX = "_inferred:"      # + doc_id of the pool's first article
MAX_KEYS_PER_SOURCE = 20_000        # bounded memory per source
MAX_LINE_CHARS = 300                # chrome lines are short; a paragraph is never a template line
SHORT_LINE_WORDS = 8                # lines that vote on the source: menus, footers, labels, not sentences
MIN_SHARED = 3                      # short lines an article must share with a pool to join it ...
MIN_SHARE = 0.15                    # ... and this share of its own short lines
MAX_INFERRED_SOURCES = 5_000        # bounded memory: past it, unmatched articles share UNLABELLED
MAX_POOLS_PER_KEY = 16              # a line in many pools ("home") says little about which one


def source_of(meta: dict[str, Any]) -> str:
    return str(meta.get("family") or meta.get("source") or UNLABELLED)


def line_keys(text: str) -> set[str]:
    return {k for k in (normalise_line(ln) for ln in text.split("\n") if ln.strip() and len(ln) <= MAX_LINE_CHARS) if k}


def short_keys(keys: set[str] | list[str]) -> list[str]:
    """The keys that may vote on an article's source: short lines, the shape of page chrome."""
    return sorted(k for k in keys if len(k.split()) <= SHORT_LINE_WORDS)


def is_inferred(source: str) -> bool:
    return source.startswith(INFERRED_PREFIX)


class TemplateIndex:
    """Per-source counts of normalised lines over the articles seen so far, and for sources
    inferred from shared lines, which pools hold each short line."""

    def __init__(self) -> None:
        self.sources: dict[str, dict[str, int]] = {}
        self.pools_of_key: dict[str, list[str]] = {}     # short key -> inferred pools holding it
        self.inferred = 0                                # inferred pools opened so far

    def infer_source(self, keys: set[str] | list[str], first_id: str) -> str:
        """The inferred pool an article without a source belongs to: the one sharing most of its
        short lines (ties: the earliest-named pool, so the result never depends on dict order), or
        a new pool named after this article when none shares enough."""
        short = short_keys(keys)
        votes: Counter[str] = Counter(pool for k in short for pool in self.pools_of_key.get(k, ()))
        if votes:
            pool, shared = min(votes.items(), key=lambda kv: (-kv[1], kv[0]))
            if shared >= MIN_SHARED and shared >= MIN_SHARE * len(short):
                return pool
        if self.inferred >= MAX_INFERRED_SOURCES:
            return UNLABELLED
        return INFERRED_PREFIX + first_id

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
        inferred = is_inferred(source)
        if inferred and source not in self.sources:
            self.inferred += 1
        seen = self.sources.setdefault(source, {})
        for k in keys:
            if k in seen:
                seen[k] += 1
            elif len(seen) < MAX_KEYS_PER_SOURCE:
                seen[k] = 1
                if inferred and len(k.split()) <= SHORT_LINE_WORDS:
                    pools = self.pools_of_key.setdefault(k, [])
                    if len(pools) < MAX_POOLS_PER_KEY:
                        pools.append(source)


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
        keys = line_keys(text)                                   # split and normalise the text once
        source = source_of(meta)
        if source == UNLABELLED:                                 # no source given: infer it from shared lines
            source = self.live.infer_source(keys, str(meta.get("doc_id") or f"#{self.live.inferred}"))
        meta[SOURCE_KEY] = source
        meta[META_KEY] = self.live.counts_of_keys(source, keys)
        self.live.add_keys(source, sorted(keys))

    def before_commit(self, articles: list[tuple[dict[str, Any], str]], part: int) -> None:
        """Write the increment of the chunk about to be committed as ``part`` (with the pool each
        article was put in, so a replay rebuilds inferred pools as they were)."""
        rows = [json.dumps([meta.get(SOURCE_KEY) or source_of(meta), sorted(line_keys(text))], ensure_ascii=False) + "\n"
                for meta, text in articles]
        if rows:
            tmp = self._path(part).with_name(self._path(part).name + f".tmp{os.getpid()}")
            tmp.write_text("".join(rows), encoding="utf-8")
            os.replace(tmp, self._path(part))
