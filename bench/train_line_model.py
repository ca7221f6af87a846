"""Train the learned line classifier (models/line_model/) from the gold of the train split.

One command rebuilds the model from the repository (fixed seed, CPU, seconds):

    python bench/train_line_model.py

Data
  * gold ``train`` split only (annotations/gold.jsonl: non-body lines with their kind, every
    other line is body; text in corpus/<doc_id>.txt);
  * articles of a sealed test family (annotations/splits.json ``families.test``) and articles in
    the ``test`` list are refused by ``load_articles`` whatever split is asked for: they are
    never opened here.

Model
  features of ``pipeline/stages/segment/line_model.py`` (page structure, no publisher names) over the non-blank
  lines of an article, a linear-chain CRF (python-crfsuite, L-BFGS, elastic net c1/c2 chosen
  by leave-one-family-out cross-validation in ``bench/line_model_cv.py``). The CRF file and a
  ``meta.json`` (feature version, hyper-parameters, title threshold, training articles'
  count and hash) are written to models/line_model/.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.stages.segment.line_model import FEATURE_GROUPS, FEATURE_VERSION, KINDS, line_features  # noqa: E402

MODEL_DIR = REPO / "models" / "line_model"
SEED = 24
# Chosen by leave-one-family-out over train+dev families (bench/line_model_cv.py, docs/segmentation.md).
PARAMS = {"c1": 1.0, "c2": 1.0, "max_iterations": 200, "feature.possible_transitions": True}
TITLE_THRESHOLD = 0.1
# Optional feature groups of line_model.FEATURE_GROUPS the shipped model uses. None: leave-one-family-out
# over train+dev (bench/line_model_cv.py --groups ..., docs/segmentation.md "What was tried") found no group
# that raises accuracy and every kind's F1 without costing title accuracy.
GROUPS: tuple[str, ...] = ("meta", "topic", "flow")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_articles(splits_wanted: tuple[str, ...] = ("train",)) -> list[dict]:
    """Articles of the wanted splits: {doc_id, family, split, lines (raw), kinds (gold)}.

    Refuses 'test' and never opens an article of the test list or of a test family."""
    if "test" in splits_wanted:
        raise ValueError("the test split is sealed: it is never loaded for training or selection")
    splits = json.loads((REPO / "annotations" / "splits.json").read_text(encoding="utf-8"))
    sealed_ids = set(splits["test"])
    sealed_families = set(splits["families"]["test"])
    manifest = {r["doc_id"]: r for r in _jsonl(REPO / "corpus" / "manifest.jsonl")}
    wanted = []
    for split in splits_wanted:
        for doc_id in splits[split]:
            meta = manifest.get(doc_id)
            if meta is None or doc_id in sealed_ids or meta.get("family") in sealed_families:
                continue
            wanted.append((doc_id, split, meta.get("family") or "unknown"))
    gold = {}
    ids = {w[0] for w in wanted}
    for rec in _jsonl(REPO / "annotations" / "gold.jsonl"):
        if rec["doc_id"] in ids:
            gold[rec["doc_id"]] = rec
    out = []
    for doc_id, split, family in wanted:
        if doc_id not in gold:
            continue
        raw = (REPO / "corpus" / f"{doc_id}.txt").read_text(encoding="utf-8")
        if raw.startswith("\ufeff"):
            raw = raw[1:]
        starts = {ln["start"]: ln["kind"] for ln in gold[doc_id]["lines"]}
        lines, kinds, pos = raw.split("\n"), [], 0
        for line in lines:
            kinds.append(starts.get(pos, "body"))
            pos += len(line) + 1
        out.append({"doc_id": doc_id, "family": family, "split": split, "text": raw, "lines": lines, "kinds": kinds})
    return out


def augmented(articles: list[dict], seed: int = SEED, clean: bool = True) -> list[tuple[list[str], list[str], dict | None]]:
    """(lines, kinds) to train on: every article as scraped, plus the shapes the pipeline also
    receives from feeds and tests, built from the same gold lines (no label is invented):

      * (``clean``) the article without its boilerplate and metadata lines: clean article text,
        as a feed that strips site chrome delivers it;
      * one of its body paragraphs alone: a snippet is body, there is nothing else on the page to
        be the article;
      * two or three consecutive lines of its text (title, headings, paragraphs) alone: a short
        snippet whose sentences need not share words or be long is still article text.

    Without these the model has only seen pages full of chrome and calls a short text chrome."""
    rng = random.Random(seed)
    out = []
    for art in articles:
        lines, kinds, counts = art["lines"], art["kinds"], art.get("batch_counts")
        out.append((lines, kinds, counts))
        if clean:
            keep = [i for i, k in enumerate(kinds) if k not in ("boilerplate", "metadata")]
            if keep and len(keep) < len(lines):
                out.append(([lines[i] for i in keep], [kinds[i] for i in keep], None))
        body = [i for i, k in enumerate(kinds) if k == "body" and lines[i].strip()]
        for i in rng.sample(body, min(1, len(body))):
            out.append(([lines[i]], ["body"], None))
        # a short snippet: two or three consecutive non-blank lines of the article text (the title and
        # the first paragraphs, or paragraphs from the middle), as feeds and tests send them
        text_lines = [i for i, k in enumerate(kinds) if k in ("title", "body", "heading") and lines[i].strip()]
        if len(text_lines) >= 3:
            start = rng.randrange(0, len(text_lines) - 2)
            pick = text_lines[start:start + rng.choice((2, 3))]
            out.append(([lines[i] for i in pick], [kinds[i] for i in pick], None))
    return out


def with_batch_counts(articles: list[dict]) -> None:
    """Give each article the template counts a streaming batch of its family would have seen
    (pipeline/stages/segment/templates.py): 1 + the number of earlier articles of the family holding the line."""
    from pipeline.stages.segment.templates import streaming_counts

    for art, counts in zip(articles, streaming_counts([(a["family"], a["text"]) for a in articles])):
        art["batch_counts"] = counts


def sequences(articles: list[dict], augment: bool = True, groups: tuple[str, ...] = GROUPS
              ) -> tuple[list[list[dict]], list[list[str]]]:
    """CRF training sequences: the non-blank lines of each (augmented) article, with the batch
    template counts of its family."""
    xs, ys = [], []
    with_batch_counts(articles)
    pairs = augmented(articles) if augment else [(a["lines"], a["kinds"], a.get("batch_counts")) for a in articles]
    for lines, kinds, counts in pairs:
        art = {"lines": lines, "kinds": kinds}
        idx, feats = line_features(art["lines"], counts, groups)
        if not idx:
            continue
        xs.append(feats)
        ys.append([art["kinds"][i] for i in idx])
    return xs, ys


def train_crf(articles: list[dict], path: Path, params: dict | None = None, groups: tuple[str, ...] = GROUPS) -> None:
    import pycrfsuite

    random.seed(SEED)
    trainer = pycrfsuite.Trainer(verbose=False)
    xs, ys = sequences(articles, groups=groups)
    for x, y in zip(xs, ys):
        trainer.append(x, y)
    trainer.select("lbfgs")
    trainer.set_params(params or PARAMS)
    trainer.train(str(path))


def write_model(articles: list[dict], model_dir: Path = MODEL_DIR, params: dict | None = None,
                title_threshold: float = TITLE_THRESHOLD, groups: tuple[str, ...] = GROUPS) -> dict:
    model_dir.mkdir(parents=True, exist_ok=True)
    train_crf(articles, model_dir / "model.crfsuite", params, groups)
    ids = sorted(a["doc_id"] for a in articles)
    meta = {
        "purpose": "learned line classifier of the segment stage (issue 24): linear-chain CRF over page-structure features of pipeline/stages/segment/line_model.py",
        "format": "model.crfsuite: python-crfsuite model; this file: settings the loader needs",
        "source": "trained by bench/train_line_model.py from annotations/gold.jsonl, train split only (no test article or test family read)",
        "rule_id": "line_model.crf.v1",
        "feature_version": FEATURE_VERSION,
        "feature_groups": list(groups),
        "kinds": list(KINDS),
        "params": params or PARAMS,
        "title_threshold": title_threshold,
        "seed": SEED,
        "train_articles": len(ids),
        "train_families": sorted({a["family"] for a in articles}),
        "train_ids_sha256": hashlib.sha256("\n".join(ids).encode()).hexdigest(),
    }
    (model_dir / "meta.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    args = ap.parse_args()
    articles = load_articles(("train",))
    meta = write_model(articles, args.out)
    size = (args.out / "model.crfsuite").stat().st_size
    print(json.dumps({"model": str(args.out), "articles": meta["train_articles"], "families": len(meta["train_families"]),
                      "bytes": size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
