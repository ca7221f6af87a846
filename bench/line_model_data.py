"""Does more training data help the line classifier? Train on the train split with and without some dev families added, score the other dev families.

Both models are trained and applied as ``bench/line_model_cv.py``'s CRF system does (``predict_crf``:
``bench/train_line_model.py``'s features, seed and settings); the dev split (whole dev families, never trained on) is classified as ``govnews run``
would (exact rules, batch template counts of each family as one streaming batch). Test articles are
never loaded (``load_articles`` refuses them).

Usage: python bench/line_model_data.py --add th_english_daily,ar_gov_prensa_english,...   (dev families)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from train_line_model import GROUPS, PARAMS, TITLE_THRESHOLD, load_articles  # noqa: E402


def dev_scores(train: list[dict], dev: list[dict]) -> tuple[float, float]:
    """(line accuracy over non-blank lines, title accuracy: the first title line, or none, right) on ``dev``
    of a model trained on ``train``, predicted as line_model_cv.py's CRF system does."""
    from line_model_cv import predict_crf

    preds = predict_crf(train, dev, PARAMS, TITLE_THRESHOLD, GROUPS)
    ok = n = titles = 0
    for a, kinds in zip(dev, preds):
        for i, (g, p) in enumerate(zip(a["kinds"], kinds)):
            if a["lines"][i].strip():
                n += 1
                ok += g == p
        titles += [i for i, k in enumerate(a["kinds"]) if k == "title"][:1] == [i for i, k in enumerate(kinds) if k == "title"][:1]
    return ok / n, titles / len(dev)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--add", required=True, help="comma-separated dev families added to the train split for the larger model")
    args = ap.parse_args()
    added = {f for f in args.add.split(",") if f}
    train, dev = load_articles(("train",)), load_articles(("dev",))
    unknown = added - {a["family"] for a in dev}
    if unknown:
        raise SystemExit(f"not dev families: {sorted(unknown)}")
    scored = [a for a in dev if a["family"] not in added]
    extra = [a for a in dev if a["family"] in added]
    for name, arts in (("train split", train), (f"train + {len(added)} dev families", train + extra)):
        acc, title = dev_scores(arts, scored)
        print(f"{name}: {len(arts)} articles; the other dev families ({len(scored)} articles): line accuracy {acc:.4f}, "
              f"title accuracy {title:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
