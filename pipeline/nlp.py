"""Assemble the govnews pipeline from ``config.cfg`` and prepare Docs for it.

``doc._.published`` and the other metadata are set on the Doc *before* the pipeline
runs (``make_doc``), because relative dates resolve against it inside the stages.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline import extensions  # noqa: F401
from pipeline import tokenizer as _tokenizer  # noqa: F401  (registers govnews.tokenizer.v1)
from pipeline.stages.segment import lines as segment
from pipeline.stages.quantities import extractor as quantities
from pipeline.stages.dates import extractor as dates
from pipeline.stages.names import extractor as names  # noqa: F401  (register factories)

CONFIG_PATH = Path(__file__).resolve().parent / "config.cfg"
MAX_CHARS = 25_000_000  # one article; larger inputs are rejected by the reader with a clear error


def build(config_path: Path | None = None, overrides: dict[str, Any] | None = None) -> Language:
    """Build the pipeline from its config (no training, no downloads)."""
    config = spacy.util.load_config(config_path or CONFIG_PATH, overrides=overrides or {}, interpolate=True)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    nlp.max_length = MAX_CHARS
    nlp.initialize()
    return nlp


def make_doc(nlp: Language, text: str, meta: dict[str, Any]) -> Doc:
    """Tokenise ``text`` and attach the article metadata before the stages run."""
    doc = nlp.make_doc(text)
    doc.user_data[extensions.RAW_TEXT] = text     # read by the stages instead of re-joining Doc.text
    doc._.doc_id = meta.get("doc_id")
    doc._.published = meta.get("published") or None
    doc._.published_basis = meta.get("published_basis") or ("metadata" if doc._.published else None)
    doc._.retrieved = meta.get("retrieved") or None
    doc._.meta = meta
    doc._.flags = []
    return doc


def process(nlp: Language, items: Iterable[tuple[str, dict[str, Any]]], batch_size: int = 16,
            n_process: int = 1) -> Iterator[Doc]:
    """Run the pipeline over (text, meta) pairs in order."""
    docs = (make_doc(nlp, text, meta) for text, meta in items)
    yield from nlp.pipe(docs, batch_size=batch_size, n_process=n_process)
