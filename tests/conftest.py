"""Shared fixtures (spaCy convention: fixtures live only here)."""
from __future__ import annotations

import json
from pathlib import Path

import os

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# CI runs the property tests on a fixed sequence of examples (derandomize), so a red CI is
# reproducible and never a new random draw; local runs keep exploring new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp import build

    return build()


@pytest.fixture(scope="session")
def manifest() -> list[dict]:
    return [json.loads(line) for line in (REPO / "corpus" / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    return [json.loads(line) for line in (REPO / "annotations" / "gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def corpus_records(nlp, manifest) -> dict[str, dict]:
    """Pipeline records of every corpus article (processed once per session)."""
    from pipeline.nlp import make_doc
    from pipeline.io.writer import to_record

    out = {}
    for meta in manifest:
        text = (REPO / "corpus" / meta["file"]).read_text(encoding="utf-8")
        out[meta["doc_id"]] = to_record(nlp(make_doc(nlp, text, meta)))
    return out
