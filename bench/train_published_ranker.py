"""Train the publication-date ranker (pipeline/stages/segment/published.py) on the train split's gold.

For every train article, the candidates of its text (lines kinds from the segmenter as it
runs by default) are labelled positive when their day equals the gold `published` the text
states (at the gold's granularity); articles whose text states no date give negatives only.
A logistic regression (scikit-learn, fixed seed) is fitted; the threshold is chosen by
leave-one-family-out over the train families (the lowest that invents no date there, else the
best right-minus-invented trade-off). Prints leave-one-family-out figures over train+dev
families (never the test families), for the ranker alone and with the header date-line rule
that ``published.find`` applies when the ranker abstains (a fixed rule, nothing fitted), and
writes models/published_ranker/weights.json. Only the features in
``published.RANKER_FEATURES`` are fitted.

Usage: python bench/train_published_ranker.py [--cv-only]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def load(split_names: list[str]) -> list[dict[str, Any]]:
    from pipeline.evaluation.evaluate import load_jsonl
    from pipeline.execution.isolation import run_stages
    from pipeline.nlp import build, make_doc
    from pipeline.stages.segment.published import candidates, header_rows

    splits = json.loads((REPO / "annotations" / "splits.json").read_text(encoding="utf-8"))
    test_families = set(splits["families"]["test"])
    manifest = {m["doc_id"]: m for m in load_jsonl(REPO / "corpus" / "manifest.jsonl")}
    gold = {g["doc_id"]: g for g in load_jsonl(REPO / "annotations" / "gold.jsonl")}
    nlp = build()
    rows = []
    for name in split_names:
        for doc_id in splits[name]:
            meta = manifest[doc_id]
            if meta.get("family") in test_families or doc_id in splits["test"]:
                continue                                      # sealed
            g = gold.get(doc_id)
            if g is None or "published_stated" not in g:
                continue
            text = (REPO / "corpus" / meta["file"]).read_text(encoding="utf-8")
            # the title is withheld too: the ranker learns where dates sit relative to the title line the model finds
            # from the text, as on pages that come without one (bench/unseen.py measures it so)
            doc = make_doc(nlp, text, {k: v for k, v in meta.items() if k not in ("published", "published_basis", "title")})
            run_stages(nlp, doc)
            cands = candidates(text, doc._.lines, (doc._.jurisdiction or {}).get("code"))
            want = g.get("published") if g.get("published_stated") else None
            labels = [bool(want) and c.value.startswith(str(want)) for c in cands]
            rows.append({"doc_id": doc_id, "family": meta.get("family") or "legacy", "stated": bool(g.get("published_stated")),
                         "gold": want, "cands": cands, "labels": labels, "header": header_rows(text, doc._.lines)})
    return rows


def fit(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    from pipeline.stages.segment.published import RANKER_FEATURES

    X = [{k: v for k, v in c.features.items() if k in RANKER_FEATURES} for r in rows for c in r["cands"]]
    y = [lab for r in rows for lab in r["labels"]]
    vec = DictVectorizer(sparse=False)
    model = LogisticRegression(C=1.0, max_iter=2000, random_state=0, class_weight="balanced")
    model.fit(vec.fit_transform(X), y)
    coef = {name: float(w) for name, w in zip(vec.get_feature_names_out(), model.coef_[0])}
    return {"bias": float(model.intercept_[0]), "coef": coef}


def predict(w: dict[str, Any], row: dict[str, Any]) -> tuple[float, str] | None:
    import math

    best: tuple[float, str] | None = None
    for c in row["cands"]:
        z = w["bias"] + sum(w["coef"].get(k, 0.0) * v for k, v in c.features.items())
        p = 1 / (1 + math.exp(-z))
        if best is None or p > best[0]:
            best = (p, c.value)
    return best


def with_date_line(rows: list[dict[str, Any]], preds: dict[str, tuple[float, str] | None],
                   threshold: float) -> dict[str, tuple[float, str] | None]:
    """The finder as it runs (published.find): the ranker's day above the threshold, else the
    header's date line (a fixed rule, nothing fitted), reported as probability 1."""
    from pipeline.stages.segment.published import date_line

    out: dict[str, tuple[float, str] | None] = {}
    for r in rows:
        pred = preds.get(r["doc_id"])
        if pred is not None and pred[0] >= threshold:
            out[r["doc_id"]] = pred
            continue
        line = date_line(r["cands"], r["header"])
        out[r["doc_id"]] = (1.0, line.value) if line is not None else None
    return out


def lofo(rows: list[dict[str, Any]]) -> dict[str, tuple[float, str] | None]:
    """(probability, value) of the best candidate per article, each family predicted by a model fitted without it."""
    by_family: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_family[r["family"]].append(r)
    out: dict[str, tuple[float, str] | None] = {}
    for fam, held in by_family.items():
        train = [r for r in rows if r["family"] != fam]
        if not any(any(r["labels"]) for r in train):
            continue
        w = fit(train)
        for r in held:
            out[r["doc_id"]] = predict(w, r)
    return out


def figures(rows: list[dict[str, Any]], preds: dict[str, tuple[float, str] | None], threshold: float) -> dict[str, Any]:
    def taken(r: dict[str, Any]) -> str | None:
        """The day the ranker gives the article at this threshold, or None."""
        pred = preds.get(r["doc_id"])
        return pred[1] if pred is not None and pred[0] >= threshold else None

    stated = [r for r in rows if r["stated"]]
    right = sum(1 for r in stated if r["gold"] and (taken(r) or "").startswith(r["gold"]))
    invented = sum(1 for r in rows if not r["stated"] and taken(r) is not None)
    return {"stated": len(stated), "right": right, "accuracy": round(right / len(stated), 3) if stated else None,
            "not_stated": len(rows) - len(stated), "invented": invented}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cv-only", action="store_true")
    args = ap.parse_args()
    train = load(["train"])
    dev = load(["dev"])
    grid = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    cv = lofo(train)
    table = {t: figures(train, cv, t) for t in grid}
    ok = [t for t in grid if table[t]["invented"] == 0]
    threshold = min(ok) if ok else max(grid, key=lambda t: table[t]["right"] - 2 * table[t]["invented"])
    print("leave-one-family-out over train families, by threshold:")
    for t in grid:
        print(f"  {t:.1f} {table[t]}")
    both = lofo(train + dev)
    print(f"threshold {threshold}; leave-one-family-out over train+dev families: {figures(train + dev, both, threshold)}")
    print(f"  of which dev articles: {figures(dev, both, threshold)}")
    finder = with_date_line(train + dev, both, threshold)
    print(f"ranker + header date-line rule (published.find), same folds: {figures(train + dev, finder, threshold)}")
    if not args.cv_only:
        w = fit(train)
        w["threshold"] = threshold
        w["_meta"] = {"purpose": "logistic ranker of publication-date candidates (pipeline/stages/segment/published.py)",
                      "trained_on": f"{len(train)} train-split articles (test families never read)",
                      "command": "python bench/train_published_ranker.py"}
        (REPO / "models" / "published_ranker" / "weights.json").write_text(json.dumps(w, indent=1, sort_keys=True) + "\n")
        print("wrote models/published_ranker/weights.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
