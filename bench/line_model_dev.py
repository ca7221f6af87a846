"""Score line-model directories on the dev families (never trained on), as the segmenter runs them.

Each model is applied through ``LineClassifier`` (the CRF plus the exact rules), one article at a
time, without the input title and without batch template counts; per model and family group:
line accuracy over non-blank lines, title accuracy (the article's title lines exactly right, or
none when it has none) and per-kind F1. Test families are never read.

Usage: python bench/line_model_dev.py models/line_model /tmp/other_model [--families a,b,c]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

KINDS = ("title", "heading", "caption", "metadata", "boilerplate", "body")


def score(model: str, families: set[str]) -> dict[str, object]:
    from pipeline.evaluation.evaluate import load_jsonl
    from pipeline.stages.segment.lines import LineClassifier

    manifest = load_jsonl(REPO / "corpus" / "manifest.jsonl")
    gold = {g["doc_id"]: g for g in load_jsonl(REPO / "annotations" / "gold.jsonl")}
    clf = LineClassifier(model=model)
    total = ok = titles = articles = 0
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for m in manifest:
        if m.get("family") not in families:
            continue
        text = (REPO / "corpus" / m["file"]).read_text(encoding="utf-8")
        kinds = {x["start"]: x["kind"] for x in gold[m["doc_id"]].get("lines", [])}
        pred = clf.classify(text)
        want = [kinds.get(e["start"], "body") for e in pred]
        for e, k in zip(pred, want):
            if not text[e["start"]:e["end"]].strip():
                continue
            total += 1
            if e["kind"] == k:
                ok += 1
                tp[k] += 1
            else:
                fp[e["kind"]] += 1
                fn[k] += 1
        articles += 1
        titles += [i for i, k in enumerate(want) if k == "title"] == [i for i, e in enumerate(pred) if e["kind"] == "title"]
    f1 = {k: round(2 * tp[k] / (2 * tp[k] + fp[k] + fn[k]), 3) for k in KINDS if tp[k] + fp[k] + fn[k]}
    return {"articles": articles, "lines": total, "accuracy": round(ok / total, 4) if total else None,
            "title_accuracy": round(titles / articles, 3) if articles else None, "f1": f1}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--families", help="comma-separated dev families (default: the whole dev split)")
    a = ap.parse_args()
    splits = json.loads((REPO / "annotations" / "splits.json").read_text(encoding="utf-8"))
    dev = set(splits["families"]["dev"])
    families = set(a.families.split(",")) & dev if a.families else dev
    for model in a.models:
        print(json.dumps({"model": model, **score(model, families)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
