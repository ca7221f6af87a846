"""Names-stage figures on train+dev articles only (issue 25): AGENCY and PROGRAMME overlap and
grouping F1, legacy in-family articles and new-family articles reported separately, plus one row
per train/dev family (each family scored alone: a leave-one-family-out view of how the rules carry
from family to family). Test-split articles and test families are never read, run or scored here.

    python bench/names_dev.py                  # table
    python bench/names_dev.py --json FILE      # also write the figures
    python bench/names_dev.py --errors FAMILY  # print misses / false alarms of one train/dev family
    python bench/names_dev.py --cue-rules      # segmenter: the cue-word rules instead of the configured line model

Only the names figures are reported; the full default pipeline produces the records.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TYPES = ("AGENCY", "PROGRAMME")


def articles() -> tuple[dict[str, list[str]], dict[str, dict]]:
    """{set name: doc_ids} over train+dev only, and the manifest."""
    from pipeline.evaluation.evaluate import load_jsonl

    splits = json.loads((REPO / "annotations" / "splits.json").read_text(encoding="utf-8"))
    manifest = {m["doc_id"]: m for m in load_jsonl(REPO / "corpus" / "manifest.jsonl")}
    sealed = set(splits["test"]) | set(splits.get("legacy_test", []))
    test_families = set(splits["families"]["test"])
    legacy = set(splits["legacy_train"]) | set(splits["legacy_dev"])
    chosen = [d for d in splits["train"] + splits["dev"]
              if d not in sealed and manifest.get(d, {}).get("family") not in test_families]
    sets: dict[str, list[str]] = {"legacy": [d for d in chosen if d in legacy],
                                  "families": [d for d in chosen if d not in legacy]}
    for d in sets["families"]:
        sets.setdefault("family:" + str(manifest[d].get("family")), []).append(d)
    return sets, manifest


def predict(doc_ids: list[str], manifest: dict[str, dict], cue_rules: bool = False) -> dict[str, dict]:
    from pipeline.execution.isolation import run_stages
    from pipeline.nlp import build, make_doc
    from pipeline.io.writer import to_record

    nlp = build(overrides={"components.govnews_segment.line_model": None} if cue_rules else None)
    out = {}
    for d in doc_ids:
        meta = manifest[d]
        doc = make_doc(nlp, (REPO / "corpus" / meta["file"]).read_text(encoding="utf-8"), meta)
        run_stages(nlp, doc)
        out[d] = to_record(doc)
    return out


def figures(gold: list[dict], preds: dict[str, dict]) -> dict[str, Any]:
    from pipeline.evaluation.evaluate import score

    res = score(gold, [preds[g["doc_id"]] for g in gold])["types"]
    return {t: {"overlap_f1": res[t]["overlap"]["f1"], "p": res[t]["overlap"]["p"], "r": res[t]["overlap"]["r"],
                "grouping_f1": res[t]["grouping"]["f1"]} for t in TYPES}


def errors(gold: list[dict], preds: dict[str, dict]) -> None:
    for g in gold:
        p = preds[g["doc_id"]]
        for t in TYPES:
            gm = [m for m in g["mentions"] if m["type"] == t]
            pm = [m for m in p["mentions"] if m["type"] == t]
            for m in gm:
                if not any(x["start"] < m["end"] and m["start"] < x["end"] for x in pm):
                    print(f"MISS {g['doc_id'][:28]:28} {t[:4]} {m['text']!r}")
            for m in pm:
                if not any(x["start"] < m["end"] and m["start"] < x["end"] for x in gm):
                    print(f"FA   {g['doc_id'][:28]:28} {t[:4]} {m['text']!r} ({m['rule']})")
                else:
                    x = next(x for x in gm if x["start"] < m["end"] and m["start"] < x["end"])
                    if (x["start"], x["end"]) != (m["start"], m["end"]):
                        print(f"SPAN {g['doc_id'][:28]:28} {t[:4]} gold {x['text']!r} pred {m['text']!r} ({m['rule']})")


def main() -> int:
    from pipeline.evaluation.evaluate import load_jsonl

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--errors", metavar="SET", help="'legacy', 'families' or a train/dev family id")
    ap.add_argument("--cue-rules", action="store_true",
                    help="segment with the cue-word rules (line model off), so names figures do not move with the line model")
    args = ap.parse_args()
    sets, manifest = articles()
    gold = {g["doc_id"]: g for g in load_jsonl(REPO / "annotations" / "gold.jsonl")}
    all_ids = sorted({d for ids in sets.values() for d in ids if d in gold})
    preds = predict(all_ids, manifest, args.cue_rules)
    if args.errors:
        key = args.errors if args.errors in ("legacy", "families") else "family:" + args.errors
        errors([gold[d] for d in sets[key] if d in gold], preds)
        return 0
    out = {}
    print("| set | articles | AGENCY overlap F1 (P/R) | AGENCY grouping | PROGRAMME overlap F1 (P/R) | PROGRAMME grouping |")
    print("|---|---:|---|---:|---|---:|")
    for name, ids in sets.items():
        g = [gold[d] for d in ids if d in gold]
        if not g:
            continue
        f = figures(g, preds)
        out[name] = {"articles": len(g), **f}
        a, p = f["AGENCY"], f["PROGRAMME"]
        print(f"| {name} | {len(g)} | {a['overlap_f1']:.3f} ({a['p']:.2f}/{a['r']:.2f}) | {a['grouping_f1']:.3f} "
              f"| {p['overlap_f1']:.3f} ({p['p']:.2f}/{p['r']:.2f}) | {p['grouping_f1']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
