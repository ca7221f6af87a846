"""Tune the MiniLM grouping threshold of canonical linking on the TRAIN split (never dev/test
for tuning; dev is reported). Linking is isolated from recognition: the gold AGENCY and
PROGRAMME spans are linked with normalisation + aliases, then keys are grouped with
embeddings at each threshold, and pairwise grouping F1 against the gold keys is measured.

Usage: python bench/tune_linking.py
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def pairwise(gold_keys: list[str], pred_keys: list[str]) -> float:
    gs = ps = both = 0
    for i in range(len(gold_keys)):
        for j in range(i + 1, len(gold_keys)):
            g = gold_keys[i] == gold_keys[j]
            p = pred_keys[i] == pred_keys[j]
            gs += g
            ps += p
            both += g and p
    prec = both / ps if ps else 1.0
    rec = both / gs if gs else 1.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def evaluate(split: str, thresholds: list[float | None]) -> dict:
    from pipeline.evaluation.evaluate import load_jsonl, select_split
    from pipeline.stages.names.linking import EmbeddingLinker, canonical_key

    gold = select_split(load_jsonl(REPO / "annotations" / "gold.jsonl"), split)
    out = {}
    for etype in ("AGENCY", "PROGRAMME"):
        mentions = [m for r in gold for m in r["mentions"] if m["type"] == etype]
        base = [canonical_key(m["text"]) for m in mentions]
        names = defaultdict(list)
        for m, k in zip(mentions, base):
            names[k].append(m["text"])
        gold_keys = [m["canonical"] for m in mentions]
        for th in thresholds:
            if th is None:
                pred = base
            else:
                mapping = EmbeddingLinker(th).group(dict(names))
                pred = [mapping[k] for k in base]
            out[f"{etype}@{th}"] = round(pairwise(gold_keys, pred), 4)
    return out


def main() -> int:
    thresholds = [None, 0.80, 0.85, 0.88, 0.90, 0.92, 0.95]
    train = evaluate("train", thresholds)
    best = max((t for t in thresholds if t is not None),
               key=lambda t: train[f"AGENCY@{t}"] + train[f"PROGRAMME@{t}"])
    dev = evaluate("dev", [None, best])
    result = {"train": train, "chosen_threshold": best, "dev": dev}
    (REPO / "bench" / "results").mkdir(exist_ok=True)
    (REPO / "bench" / "results" / "linking.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
