"""Validation of the hand-annotated gold (annotations/gold.jsonl)."""
from __future__ import annotations

import re

import json
from collections import defaultdict

import pytest

from pipeline.io.schema import errors as schema_errors

UNITS = {"%", "pp", "ug/m3", "mg/m3", "mg/L", "m", "km", "m2", "km2", "ha", "acre", "mu", "m3", "L", "t", "kg",
         "CNY", "USD", "kWh", "MW", "GW", "d", "h", "a", "GBP", "EUR", "INR", "lb", "g", "p.e."}


def test_gold_covers_split_and_corpus(gold, manifest, repo):
    splits = json.loads((repo / "annotations" / "splits.json").read_text())
    ids = {r["doc_id"] for r in gold}
    assert len(gold) == len(ids)
    seeds = {m["doc_id"] for m in manifest if m["origin"] == "scraped"}
    composed = {m["doc_id"] for m in manifest if m["origin"] == "composed"}
    assert seeds <= ids and len(ids & composed) >= 25
    assert len(splits["test"]) >= 10
    assert not set(splits["test"]) & set(splits["train"]) and not set(splits["test"]) & set(splits["dev"])
    assert set(splits["train"]) | set(splits["dev"]) | set(splits["test"]) == ids


def test_gold_offsets_index_raw_text(gold, repo):
    for rec in gold:
        raw = (repo / "corpus" / f"{rec['doc_id']}.txt").read_text(encoding="utf-8")
        for m in rec["mentions"]:
            assert raw[m["start"]:m["end"]] == m["text"], (rec["doc_id"], m)
            assert "\n" not in m["text"], (rec["doc_id"], m)


def test_gold_lines_are_real_line_boundaries_and_mentions_avoid_excluded_lines(gold, repo):
    for rec in gold:
        raw = (repo / "corpus" / f"{rec['doc_id']}.txt").read_text(encoding="utf-8")
        bounds, pos = {}, 0
        for line in raw.split("\n"):
            bounds[pos] = pos + len(line)
            pos += len(line) + 1
        excluded = []
        for ln in rec["lines"]:
            assert bounds.get(ln["start"]) == ln["end"], (rec["doc_id"], ln)
            if ln["kind"] in ("metadata", "boilerplate"):
                excluded.append((ln["start"], ln["end"]))
        for m in rec["mentions"]:
            assert not any(s <= m["start"] < e for s, e in excluded), (rec["doc_id"], m["text"])


def test_gold_schema_and_vocabularies(gold):
    for rec in gold:
        assert not schema_errors(rec), (rec["doc_id"], schema_errors(rec)[:3])
        for m in rec["mentions"]:
            if m["type"] == "QUANTITY":
                # guide: a unit not listed is its ASCII symbol; "t CO2e" keeps the substance after a space
                head = (m["unit"] or "").split(" ", 1)[0]
                # an ASCII symbol, with a power digit as the guide's m3/km2 ("yd3", "mi2"), or a product of
                # two written with a hyphen ("acre-ft")
                assert m["unit"] is None or head in UNITS or "/" in head or re.fullmatch(r"[A-Za-z]+(?:-[A-Za-z]+)?[23]?", head), m


def test_gold_canonical_keys_consistent(gold, manifest):
    """A canonical key never mixes types, and within one jurisdiction (country) one surface form
    maps to one key per type: across jurisdictions the same name may be two bodies (guide v1.2,
    'two bodies of different countries that share an acronym get two keys'; a state's and the
    federation's department of the same name, AU-NSW and AU)."""
    country = {m["doc_id"]: str(m.get("jurisdiction") or "") for m in manifest}
    key_types = defaultdict(set)
    surface_keys = defaultdict(set)
    for rec in gold:
        for m in rec["mentions"]:
            if m["type"] in ("AGENCY", "PROGRAMME"):
                key_types[m["canonical"]].add(m["type"])
                surface_keys[(country.get(rec["doc_id"]), m["type"], m["text"].strip('"“”'))].add(m["canonical"])
    assert not {k: t for k, t in key_types.items() if len(t) > 1}
    clashes = {s: k for s, k in surface_keys.items() if len(k) > 1}
    assert len(clashes) <= 5, clashes
