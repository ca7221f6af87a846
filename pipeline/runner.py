"""Glue between readers, the spaCy pipeline and the batch log: one process function per engine."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language

from .inputs import Article
from .nlp import build, make_doc
from .writer import to_record


def record_for(nlp: Language, art: Article) -> dict[str, Any]:
    doc = nlp(make_doc(nlp, art.text, art.meta))
    rec = to_record(doc)
    rec["content_sha256"] = art.content_hash
    return rec


class LocalProcessor:
    """Processes chunks with ``nlp.pipe``; with workers > 1 spaCy forks that many processes,
    each loading the pipeline once. A failing article is retried alone so the error is its own."""

    def __init__(self, workers: int = 1, config: Path | None = None, overrides: dict[str, Any] | None = None):
        self.nlp = build(config, overrides)
        self.workers = workers

    def __call__(self, chunk: list[Article]) -> list[tuple[Article, dict[str, Any] | Exception]]:
        try:
            docs = (make_doc(self.nlp, a.text, a.meta) for a in chunk)
            out = []
            for art, doc in zip(chunk, self.nlp.pipe(docs, batch_size=16, n_process=self.workers)):
                rec = to_record(doc)
                rec["content_sha256"] = art.content_hash
                out.append((art, rec))
            return out
        except Exception:  # isolate the failing article(s)
            results: list[tuple[Article, dict[str, Any] | Exception]] = []
            for art in chunk:
                try:
                    results.append((art, record_for(self.nlp, art)))
                except Exception as exc:  # noqa: BLE001 - reported per article in the errors file
                    results.append((art, exc))
            return results
