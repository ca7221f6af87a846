"""Leave-one-family-out cross-validation of line classifiers over the train+dev families.

For every source family of the train and dev splits, the learned models are trained on all the
other train+dev families and scored on the held-out one; the figures pool the held-out lines of
all folds. Systems:

  * ``crf``          the learned line classifier (pipeline/stages/segment/line_model.py, CRF), as shipped;
  * ``logreg``       the same features (neighbours included) with a logistic regression per line;
  * ``rules``        the cue-word rules of segment.py (LineClassifier without a model);
  * ``all-body``     every line body;
  * ``longest-run``  the longest contiguous run of long lines is body, every other line boilerplate.

Printed: line accuracy, per-kind precision/recall/F1, title accuracy (an article is right when
its predicted title line is the gold one, or both have none), plus the macro average over folds.
The test split and the test families are never loaded (``load_articles`` refuses them).

Usage: python bench/line_model_cv.py [--systems crf,logreg,rules,all-body,longest-run] [--c1 0.1 --c2 0.05]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from train_line_model import GROUPS, PARAMS, TITLE_THRESHOLD, load_articles, write_model  # noqa: E402

from pipeline.stages.segment.line_model import KINDS, TITLE_WINDOW, line_features, longest_run  # noqa: E402


def predict_rules(articles: list[dict]) -> list[list[str]]:
    from pipeline.stages.segment.lines import LineClassifier

    clf = LineClassifier(model=None)
    return [[ln["kind"] for ln in clf.classify(a["text"])] for a in articles]


def predict_all_body(articles: list[dict]) -> list[list[str]]:
    return [["body"] * len(a["lines"]) for a in articles]


def predict_longest_run(articles: list[dict]) -> list[list[str]]:
    out: list[list[str]] = []
    for a in articles:
        idx = [i for i, ln in enumerate(a["lines"]) if ln.strip()]
        first, last = longest_run([len(a["lines"][i].split()) for i in idx])
        kinds = ["body"] * len(a["lines"])
        for p, i in enumerate(idx):
            if not first <= p <= last:
                kinds[i] = "boilerplate"
        out.append(kinds)
    return out


BATCH = os.environ.get("GOVNEWS_CV_BATCH", "1") == "1"   # 0: score without batch template counts


def predict_crf(train: list[dict], test: list[dict], params: dict, title_threshold: float,
                groups: tuple[str, ...] = GROUPS) -> list[list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        write_model(train, Path(tmp), params, title_threshold, groups)
        from pipeline.stages.segment.lines import LineClassifier

        from pipeline.stages.segment.templates import streaming_counts

        clf = LineClassifier(model=tmp)          # as shipped: model + exact rules + blank/one-line guards
        # the held-out family as one streaming batch: each article sees its earlier siblings' lines
        counts = streaming_counts([(a["family"], a["text"]) for a in test]) if BATCH else [None] * len(test)
        return [[ln["kind"] for ln in clf.classify(a["text"], c)] for a, c in zip(test, counts)]


def predict_logreg(train: list[dict], test: list[dict], C: float = 1.0,
                   title_threshold: float = TITLE_THRESHOLD) -> list[list[str]]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    X: list[dict[str, float]] = []
    y: list[str] = []
    for a in train:
        idx, feats = line_features(a["lines"])
        X.extend(feats)
        y.extend(a["kinds"][i] for i in idx)
    vec = DictVectorizer()
    clf = LogisticRegression(C=C, max_iter=2000, random_state=24)
    clf.fit(vec.fit_transform(X), y)
    classes = list(clf.classes_)
    out = []
    for a in test:
        idx, feats = line_features(a["lines"])
        kinds = ["body"] * len(a["lines"])
        if idx:
            proba = clf.predict_proba(vec.transform(feats))
            labels = [classes[r.argmax()] for r in proba]
            if "title" in classes:
                t = classes.index("title")
                window = min(len(idx), TITLE_WINDOW)
                best = max(range(window), key=lambda p: proba[p][t])
                for p in range(len(idx)):
                    if labels[p] == "title" and p != best:
                        order = proba[p].argsort()[::-1]
                        labels[p] = classes[order[1]]
                if proba[best][t] >= title_threshold:
                    labels[best] = "title"
            for p, i in enumerate(idx):
                kinds[i] = labels[p]
        out.append(kinds)
    return out


def predict_gbt(train: list[dict], test: list[dict], title_threshold: float = TITLE_THRESHOLD,
                groups: tuple[str, ...] = GROUPS) -> list[list[str]]:
    """Gradient-boosted trees (sklearn HistGradientBoostingClassifier) per line over the same
    features (neighbours included), trained on the same augmented sequences as the CRF; the
    title is chosen as for the CRF and the exact rules and guards of lines.py apply."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer
    from train_line_model import sequences

    from pipeline.stages.segment.lines import LineClassifier
    from pipeline.stages.segment.templates import streaming_counts

    xs, ys = sequences(train, groups=groups)
    vec = DictVectorizer(sparse=False)
    X = vec.fit_transform([f for x in xs for f in x])
    y = [k for yy in ys for k in yy]
    gbt = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=15, l2_regularization=1.0,
                                         random_state=24)
    gbt.fit(X, y)
    classes = list(gbt.classes_)
    rules = LineClassifier(model=None)
    counts = streaming_counts([(a["family"], a["text"]) for a in test]) if BATCH else [None] * len(test)
    out: list[list[str]] = []
    for a, c in zip(test, counts):
        idx, feats = line_features(a["lines"], c, groups)
        kinds = ["body"] * len(a["lines"])
        if idx:
            proba = gbt.predict_proba(vec.transform(feats))
            labels = [classes[r.argmax()] for r in proba]
            t = classes.index("title")
            window = min(len(idx), TITLE_WINDOW)
            best = max(range(window), key=lambda p: proba[p][t])
            for p in range(len(idx)):
                if labels[p] == "title" and p != best:
                    labels[p] = classes[proba[p].argsort()[::-1][1]]
            if proba[best][t] >= title_threshold:
                labels[best] = "title"
            for p, i in enumerate(idx):
                kinds[i] = labels[p]
            for i in idx:
                hit = rules.rule_kind(a["lines"][i], rules.exact_rules) if len(a["lines"][i]) <= 2000 else None
                if hit:
                    kinds[i] = hit[0]
                elif len(idx) == 1:
                    kinds[i] = "body"
        out.append(kinds)
    return out


class Tally:
    def __init__(self) -> None:
        self.lines = self.ok = self.arts = self.title_ok = 0
        self.c: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def add(self, gold: list[str], pred: list[str]) -> None:
        self.lines += len(gold)
        self.ok += sum(g == p for g, p in zip(gold, pred))
        for g, p in zip(gold, pred):
            self.c[g]["gold"] += 1
            self.c[p]["pred"] += 1
            self.c[g]["tp"] += g == p
        self.arts += 1
        self.title_ok += [i for i, k in enumerate(gold) if k == "title"] == [i for i, k in enumerate(pred) if k == "title"]

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"lines": self.lines, "accuracy": round(self.ok / self.lines, 4), "title_accuracy": round(self.title_ok / self.arts, 4)}
        for k in KINDS:
            c = self.c[k]
            p = c["tp"] / c["pred"] if c["pred"] else 0.0
            r = c["tp"] / c["gold"] if c["gold"] else 0.0
            f = 2 * p * r / (p + r) if p + r else 0.0
            out[k] = (round(p, 3), round(r, 3), round(f, 3))
        return out


def fold_families(families: list[str], folds: int) -> list[set[str]]:
    """Whole families per fold: one family a fold (leave-one-family-out) when ``folds`` is 0 or at
    least the number of families, else the families shuffled with a fixed seed and dealt round-robin."""
    if folds <= 0 or folds >= len(families):
        return [{f} for f in families]
    import random

    order = sorted(families)
    random.Random(24).shuffle(order)
    return [set(order[i::folds]) for i in range(folds)]


def _run_fold(job: tuple) -> dict[str, list[list[str]]]:
    fold, held, rest, systems, params, title_threshold, C, groups = job
    out: dict[str, list[list[str]]] = {}
    for s in systems:
        if s == "crf":
            out[s] = predict_crf(rest, held, params, title_threshold, groups)
        elif s == "gbt":
            out[s] = predict_gbt(rest, held, title_threshold, groups)
        elif s == "logreg":
            out[s] = predict_logreg(rest, held, C, title_threshold)
        elif s == "rules":
            out[s] = predict_rules(held)
        elif s == "all-body":
            out[s] = predict_all_body(held)
        elif s == "longest-run":
            out[s] = predict_longest_run(held)
        else:
            raise SystemExit(f"unknown system {s}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--systems", default="crf,logreg,rules,all-body,longest-run")
    ap.add_argument("--c1", type=float, default=PARAMS["c1"])
    ap.add_argument("--c2", type=float, default=PARAMS["c2"])
    ap.add_argument("--title-threshold", type=float, default=TITLE_THRESHOLD)
    ap.add_argument("--C", type=float, default=1.0, help="logistic regression inverse regularisation")
    ap.add_argument("--groups", default=",".join(GROUPS),
                    help="optional feature groups of line_model.FEATURE_GROUPS, comma-separated ('' for none)")
    ap.add_argument("--folds", type=int, default=0, help="family folds (0: leave-one-family-out)")
    ap.add_argument("--jobs", type=int, default=1, help="folds run in parallel processes")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--per-family", action="store_true")
    args = ap.parse_args()
    systems = args.systems.split(",")
    params = dict(PARAMS, c1=args.c1, c2=args.c2)
    groups = tuple(g for g in args.groups.split(",") if g)
    articles = load_articles(("train", "dev"))
    families = sorted({a["family"] for a in articles})
    pooled = {s: Tally() for s in systems}
    per_family: dict[str, dict[str, float]] = {s: {} for s in systems}
    folds = fold_families(families, args.folds)
    jobs = [(fold, [a for a in articles if a["family"] in fold], [a for a in articles if a["family"] not in fold],
             systems, params, args.title_threshold, args.C, groups) for fold in folds]
    if args.jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
            results = pool.map(_run_fold, jobs)
    else:
        results = [_run_fold(j) for j in jobs]
    for (fold, held, *_), preds_by_system in zip(jobs, results):
        for s in systems:
            for fam in sorted(fold):
                t = Tally()
                for a, p in zip(held, preds_by_system[s]):
                    if a["family"] == fam:
                        t.add(a["kinds"], p)
                per_family[s][fam] = t.row()["accuracy"]
            for a, p in zip(held, preds_by_system[s]):
                pooled[s].add(a["kinds"], p)
    rows = {s: dict(pooled[s].row(), macro_family_accuracy=round(sum(per_family[s].values()) / len(families), 4))
            for s in systems}
    if args.json:
        print(json.dumps({"families": len(families), "articles": len(articles), "systems": rows,
                          **({"per_family": per_family} if args.per_family else {})}, indent=1))
        return 0
    scheme = "leave-one-family-out" if len(folds) == len(families) else f"{len(folds)}-fold by family"
    print(f"{scheme} over {len(families)} train+dev families, {len(articles)} articles, "
          f"{pooled[systems[0]].lines} lines")
    print("| system | accuracy | family-macro acc. | title acc. | " + " | ".join(f"{k} P/R/F1" for k in KINDS) + " |")
    print("|---|---|---|---|" + "---|" * len(KINDS))
    for s in systems:
        r = rows[s]
        cells = " | ".join("{:.2f}/{:.2f}/{:.2f}".format(*r[k]) for k in KINDS)
        print(f"| {s} | {r['accuracy']:.3f} | {r['macro_family_accuracy']:.3f} | {r['title_accuracy']:.3f} | {cells} |")
    if args.per_family:
        print("\n| family | " + " | ".join(systems) + " |\n|---|" + "---|" * len(systems))
        for fam in families:
            print(f"| {fam} | " + " | ".join(f"{per_family[s][fam]:.3f}" for s in systems) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
